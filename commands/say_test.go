package commands

import (
	"context"

	"stagebot/chat"
)

// say runs a command line as the console would and returns the reply as it would print.
func say(r *Registry, env *Env, line string) string {
	return chat.Plain(r.Exec(context.Background(), env, line).Reply, r.Prefix())
}

// readOnly reports whether a line (without its prefix) is answered at once: a read-only
// command, or an unknown one (its answer comes from the table).
func (r *Registry) readOnly(line string) bool {
	c, ok := r.Parse(r.Prefix()+line, "", false)
	return !ok || c.ReadOnly
}
