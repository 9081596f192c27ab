package commands

import (
	"context"

	"stagebot/chat"
)

func registerPeople(r *Registry, svc Service) {
	r.Register(Command{Name: "whoami", ReadOnly: true,
		Summary: "who the bot takes you for, and what that lets you do",
		Run: func(_ context.Context, env *Env, _ string) (chat.Message, error) {
			return r.Render.Whoami(svc.Team().Resolve(env.Actor), svc.Policy()), nil
		}})
	r.Register(Command{Name: "team", ReadOnly: true,
		Summary: "who may approve, sign off and stage, and what a request needs",
		Run: func(_ context.Context, env *Env, _ string) (chat.Message, error) {
			return r.Render.Team(svc.Team(), svc.Policy()), nil
		}})
}
