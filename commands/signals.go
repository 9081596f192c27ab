package commands

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"stagebot"
	"stagebot/chat"
)

// imageNumber is what a system-image version looks like: a number.
var imageNumber = regexp.MustCompile(`^[0-9]+$`)

func registerSignals(r *Registry, svc Service) {
	r.Register(Command{Name: "tick", Action: stagebot.ActTick,
		Summary: "record a click-sync run now: locked clicks become stored",
		Run: func(_ context.Context, env *Env, _ string) (chat.Message, error) {
			res, err := svc.Tick(env.Actor, "", nil)
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.Ticked(len(res.Stored)), nil
		}})
	r.Register(Command{Name: "promote", Args: "IMAGE", Action: stagebot.ActPromote, Example: "312",
		Summary: "rc-proposed image IMAGE (its number) was promoted to stable: stored clicks become promoted and phasing starts",
		Run: func(_ context.Context, env *Env, args string) (chat.Message, error) {
			image := strings.TrimSpace(args)
			if !imageNumber.MatchString(image) {
				return chat.Message{}, usage("IMAGE (the image's number)")
			}
			moved, err := svc.Promote(env.Actor, image)
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.Promoted(len(moved)), nil
		}})
	r.Register(Command{Name: "phasing", Args: "PERCENT", Action: stagebot.ActPhasing, Example: "100",
		Summary: "phased-update progress; at 100 phasing has ended and promoted clicks are published and flushed",
		Run: func(_ context.Context, env *Env, args string) (chat.Message, error) {
			p, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(args), "%"))
			if err != nil || p < 0 || p > 100 {
				return chat.Message{}, usage("PERCENT (0 to 100)")
			}
			n, err := svc.SetPhasing(env.Actor, p)
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.Phasing(p, n), nil
		}})
}
