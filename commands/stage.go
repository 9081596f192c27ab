package commands

import (
	"context"
	"fmt"
	"strings"

	"stagebot"
	"stagebot/intake"
)

func registerStage(r *Registry, svc Service) {
	r.Register(Command{
		Name: "stage", Args: "FILE.click | URL",
		Who:     "landers",
		Summary: "fetch and inspect a click and ask the landing team to lock it on snakefruit; on Slack, attach the .click instead",
		Example: r.Prefix + "stage foo_1.0_armhf.click",
		Run: func(ctx context.Context, env *Env, args string) (string, error) {
			var src intake.Source
			switch {
			case args == "" && len(env.Attachments) == 1:
				src = env.Attachments[0]
			case args == "" && len(env.Attachments) > 1:
				return "", stagebot.Errorf(stagebot.EINVALID, "attach one click per %sstage", r.Prefix)
			case args == "":
				return "", usage(r.Prefix+"stage", "FILE.click | URL (or attach a .click)")
			default:
				var err error
				if src, err = intake.ParseSource(strings.Fields(args)[0]); err != nil {
					return "", err
				}
				if src.Kind == intake.FromPath && !env.LocalPaths {
					return "", stagebot.Errorf(stagebot.EINVALID, "%s: local paths are for the console only; give a file name or a URL", src.Value)
				}
			}
			if env.Say != nil {
				say := env.Say
				src.Queued = func(ahead int) {
					_ = say(fmt.Sprintf("queued behind %d download(s); your %sstage starts when its turn comes", ahead, r.Prefix))
				}
			}
			req, err := svc.Stage(ctx, env.Actor, src)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("[%s] requested: %s (%s); waiting for approval", req.ShortID(), req.Summary(), req.Filename), nil
		},
	})
}
