package commands

import (
	"context"
	"strings"
	"time"

	"stagebot/chat"
)

// maxListed bounds how many requests one reply lists: a chat line is not a report.
const maxListed = 10

func registerViews(r *Registry, svc Service) {
	r.Register(Command{Name: "status", Args: "[ID or package]", ReadOnly: true, Example: "1a2b3c4d",
		Summary: "a request's state and what it waits for; without argument, the queue",
		Run: func(_ context.Context, env *Env, args string) (chat.Message, error) {
			if args == "" {
				return queue(r, svc)
			}
			sts, err := svc.Lookup(strings.Fields(args)[0])
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.Statuses(sts, time.Now()), nil
		}})
	r.Register(Command{Name: "queue", ReadOnly: true, Summary: "every request still in flight",
		Run: func(_ context.Context, env *Env, _ string) (chat.Message, error) { return queue(r, svc) }})
	r.Register(Command{Name: "history", Args: "PACKAGE", ReadOnly: true, Example: "com.ubuntu.camera",
		Summary: "a package's requests, newest last",
		Run: func(_ context.Context, env *Env, args string) (chat.Message, error) {
			if args == "" {
				return chat.Message{}, usage("PACKAGE")
			}
			rs, err := svc.History(strings.Fields(args)[0], maxListed)
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.History(rs), nil
		}})
}

func queue(r *Registry, svc Service) (chat.Message, error) {
	sts, err := svc.Queue()
	if err != nil {
		return chat.Message{}, err
	}
	return r.Render.Queue(sts, svc.Differences(), maxListed, time.Now()), nil
}
