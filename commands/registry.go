// Package commands turns chat lines into workflow calls. Each command family lives in its
// own file and registers its handler together with its help (usage, who may use it, an
// example), so `!help` is generated from the same table that dispatches.
package commands

import (
	"context"
	"errors"
	"sort"
	"strings"

	"stagebot"
	"stagebot/intake"
)

// Env is who is speaking and what came with the message.
type Env struct {
	Actor stagebot.Identity
	// LocalPaths allows `!stage PATH` (the console: the person at the keyboard owns the
	// machine; on a shared network a path would read the bot's own files).
	LocalPaths bool
	// Attachments are files sent with the message (Slack), ready to open.
	Attachments []intake.Source
	// Say, if set, answers the speaker before the command's own reply (which is still the
	// return value): a `!stage` that waits for a download turn says so at once.
	Say func(text string) error
}

// Command is one chat command with its help.
type Command struct {
	Name    string
	Args    string // usage after the name, e.g. "ID [reason]"
	Who     string // who may use it, in words
	Summary string
	Example string
	// ReadOnly marks a command that answers from bbolt alone, quickly, and changes
	// nothing: an adapter may run it on its read loop instead of handing it to a worker
	// goroutine (see Registry.ReadOnly).
	ReadOnly bool
	Run      func(ctx context.Context, env *Env, args string) (string, error)
}

// Usage is "!name args" with the given prefix.
func (c *Command) Usage(prefix string) string {
	if c.Args == "" {
		return prefix + c.Name
	}
	return prefix + c.Name + " " + c.Args
}

// Registry dispatches commands.
type Registry struct {
	Prefix string
	cmds   map[string]*Command
}

// NewRegistry makes a registry with every stagebot command bound to svc.
func NewRegistry(prefix string, svc Service) *Registry {
	r := &Registry{Prefix: prefix, cmds: map[string]*Command{}}
	registerStage(r, svc)
	registerDecisions(r, svc)
	registerSignals(r, svc)
	registerViews(r, svc)
	registerHelp(r)
	return r
}

// Register adds a command; a duplicate name is a programming error.
func (r *Registry) Register(c Command) {
	if _, dup := r.cmds[c.Name]; dup {
		panic("commands: duplicate command " + c.Name)
	}
	r.cmds[c.Name] = &c
}

// Lookup finds a command by name.
func (r *Registry) Lookup(name string) (*Command, bool) {
	c, ok := r.cmds[strings.ToLower(name)]
	return c, ok
}

// ReadOnly reports whether a parsed command line only reads: a ReadOnly command, or an
// unknown one (its reply comes from the table).
func (r *Registry) ReadOnly(line string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	c, ok := r.Lookup(name)
	return !ok || c.ReadOnly
}

// Names lists the commands in alphabetical order.
func (r *Registry) Names() []string {
	var out []string
	for n := range r.cmds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Run executes a command line (without its prefix) and returns the reply. Every refusal
// is a reply that says why.
//
// This is where a chat line becomes a command, so this is where what the user typed is
// cleaned (stagebot.CleanText): the line, the speaker's identity and the names of
// attachments. Whatever a command repeats from them (an unknown name, an argument, a
// reason, a display name) can then neither break the reply's line nor forge another.
// Replies pass through stagebot.RedactText: a URL a message quotes loses its credentials.
func (r *Registry) Run(ctx context.Context, env *Env, line string) string {
	return r.Exec(ctx, env, line).Reply
}

// Outcome is a command's reply and what became of the command, for an adapter that
// answers some successes otherwise (a `!stage` by its `requested` announcement).
type Outcome struct {
	Reply   string
	Command string // the command's name; "" when there is no such command
	Done    bool   // the command ran and did not refuse
}

// Exec is Run with the outcome.
func (r *Registry) Exec(ctx context.Context, env *Env, line string) Outcome {
	out := r.run(ctx, env, line)
	out.Reply = stagebot.RedactText(out.Reply)
	return out
}

func (r *Registry) run(ctx context.Context, env *Env, line string) Outcome {
	cleanEnv(env)
	name, args, _ := strings.Cut(stagebot.CleanText(strings.TrimSpace(line)), " ")
	c, ok := r.Lookup(name)
	if !ok {
		return Outcome{Reply: "unknown command " + r.Prefix + name + "; " + r.Prefix + "help lists the commands"}
	}
	reply, err := c.Run(ctx, env, strings.TrimSpace(args))
	if err != nil {
		if u := (usageError{}); errors.As(err, &u) {
			return Outcome{Reply: u.Error(), Command: c.Name}
		}
		return Outcome{Reply: "refused: " + stagebot.ErrorMessage(err), Command: c.Name}
	}
	return Outcome{Reply: reply, Command: c.Name, Done: true}
}

// cleanEnv cleans what the adapter says about the speaker. The attachments are copied, not
// changed in place: the slice is the adapter's.
func cleanEnv(env *Env) {
	env.Actor = env.Actor.Clean()
	if len(env.Attachments) > 0 {
		atts := make([]intake.Source, len(env.Attachments))
		for i, a := range env.Attachments {
			a.Value = stagebot.CleanText(a.Value)
			atts[i] = a
		}
		env.Attachments = atts
	}
}

// Parse recognises a command in a chat line: the prefix, or addressing the bot by nick
// ("stagebot: status ID", "stagebot, !status ID"). It returns the line without them.
func Parse(prefix, nick, text string) (string, bool) {
	text = strings.TrimSpace(text)
	if nick != "" && len(text) > len(nick) && strings.EqualFold(text[:len(nick)], nick) {
		rest := text[len(nick):]
		if rest != "" && (rest[0] == ':' || rest[0] == ',') {
			rest = strings.TrimSpace(rest[1:])
			if prefix != "" && strings.HasPrefix(rest, prefix) {
				// The same rule as the bare prefix below: "! status" is no command.
				rest = rest[len(prefix):]
				if rest == "" || rest[0] == ' ' {
					return "", false
				}
			}
			if rest != "" {
				return rest, true
			}
		}
	}
	if prefix != "" && strings.HasPrefix(text, prefix) && len(text) > len(prefix) {
		rest := text[len(prefix):]
		if rest[0] == ' ' {
			return "", false
		}
		return rest, true
	}
	return "", false
}

// usageError is a command given without what it needs. Its reply is the usage line
// itself, not a refusal; underneath it is an EINVALID *stagebot.Error for whoever asks for
// the code.
type usageError struct{ err *stagebot.Error }

func (u usageError) Error() string { return u.err.Message }
func (u usageError) Unwrap() error { return u.err }

// usage is the usage error of command c (with its prefix) taking args.
func usage(c string, args string) error {
	return usageError{stagebot.Errorf(stagebot.EINVALID, "usage: %s %s", c, args)}
}
