package commands

import (
	"context"
	"strings"

	"stagebot/chat"
)

func registerHelp(r *Registry) {
	r.Register(Command{Name: "help", Args: "[command]", ReadOnly: true, Example: "approve",
		Summary: "list the commands, or explain one",
		Run: func(_ context.Context, env *Env, args string) (chat.Message, error) {
			if args != "" {
				name := strings.TrimPrefix(strings.Fields(args)[0], r.Render.Prefix)
				c, ok := r.Lookup(name)
				if !ok {
					return r.Render.UnknownCommand(name, r.near(name)), nil
				}
				return r.Render.Help(r.help(c)), nil
			}
			var all []chat.CommandHelp
			for _, n := range r.Names() {
				c, _ := r.Lookup(n)
				all = append(all, r.help(c))
			}
			return r.Render.Commands(all), nil
		}})
}

func (r *Registry) help(c *Command) chat.CommandHelp {
	return chat.CommandHelp{Name: c.Name, Args: c.Args, Action: c.Action, Summary: c.Summary, Example: c.Example, Also: c.Also}
}
