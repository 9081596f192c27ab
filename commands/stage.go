package commands

import (
	"context"
	"strings"

	"stagebot"
	"stagebot/chat"
	"stagebot/intake"
)

func registerStage(r *Registry, svc Service) {
	r.Register(Command{
		Name: "stage", Args: "FILE.click | URL", Action: stagebot.ActStage,
		Summary:    "fetch and inspect a click and ask the landing team to lock it on snakefruit; on Slack, attach the .click instead",
		Example:    "foo_1.0_armhf.click",
		Background: true, TakesFiles: true, Announced: true,
		Run: func(ctx context.Context, env *Env, args string) (chat.Message, error) {
			var src intake.Source
			switch {
			case args == "" && len(env.Attachments) == 1:
				src = env.Attachments[0]
			case args == "" && len(env.Attachments) > 1:
				return chat.Message{}, r.Render.OneClickPerStage()
			case args == "":
				return chat.Message{}, usage("FILE.click | URL (or attach a .click)")
			default:
				var err error
				if src, err = intake.ParseSource(strings.Fields(args)[0]); err != nil {
					return chat.Message{}, err
				}
				if src.Kind == intake.FromPath && !env.LocalPaths {
					return chat.Message{}, stagebot.Errorf(stagebot.EINVALID, "%s: local paths are for the console only; give a file name or a URL", stagebot.Quote(src.Value))
				}
			}
			if env.Say != nil {
				say := env.Say
				src.Queued = func(ahead int) { _ = say(r.Render.Queued(ahead)) }
				src.Slow = func(got, total int64) { _ = say(r.Render.Fetching(got, total)) }
			}
			req, err := svc.Stage(ctx, env.Actor, src)
			if err != nil {
				return chat.Message{}, err
			}
			msg := r.Render.Requested(req)
			msg.RequestID = req.ID
			return msg, nil
		},
	})
}
