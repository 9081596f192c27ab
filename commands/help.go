package commands

import (
	"context"
	"fmt"
	"strings"
)

func registerHelp(r *Registry) {
	r.Register(Command{Name: "help", Args: "[command]", Who: "anyone", ReadOnly: true, Summary: "list the commands, or explain one",
		Example: r.Prefix + "help approve",
		Run: func(_ context.Context, env *Env, args string) (string, error) {
			if args != "" {
				name := strings.TrimPrefix(strings.Fields(args)[0], r.Prefix)
				c, ok := r.Lookup(name)
				if !ok {
					return "", fmt.Errorf("%w", usage(r.Prefix+"help", "[command]; there is no command "+name))
				}
				return fmt.Sprintf("%s: %s. Who: %s. Example: %s", c.Usage(r.Prefix), c.Summary, c.Who, c.Example), nil
			}
			var parts []string
			for _, n := range r.Names() {
				c, _ := r.Lookup(n)
				parts = append(parts, c.Usage(r.Prefix))
			}
			return "commands: " + strings.Join(parts, ", ") + " — " + r.Prefix + "help COMMAND explains one", nil
		}})
}
