// Package commands is the command table: each command family lives in its own file and
// registers its handler together with its help (usage, who may use it, an example, the
// reactions and buttons that stand for it), so `!help` is generated from the same table
// that dispatches. Its words are chat's (chat.Renderer); the Registry is what the bot's core
// parses chat lines with and runs them through (bot.Commands).
package commands

import (
	"context"
	"errors"
	"sort"
	"strings"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
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
	Say func(chat.Message) error
}

// Command is one chat command with its help.
type Command struct {
	Name string
	Args string // usage after the name, e.g. "ID [reason]"
	// Action is what it asks of the workflow: its help says who may (stagebot.Permissions).
	// "" for the commands anyone may run.
	Action  stagebot.Action
	Summary string
	// Example is its arguments in an example ("1a2b3c4d").
	Example string
	// Also names what stands for it besides typing it (a reaction, a button).
	Also string
	// ReadOnly marks a command that answers from bbolt alone, quickly, and changes
	// nothing: the core answers it at once.
	ReadOnly bool
	// Background marks one that may take minutes (a download): it holds no later command.
	Background bool
	// TakesFiles marks one for which attachments matter.
	TakesFiles bool
	Run        func(ctx context.Context, env *Env, args string) (chat.Message, error)
	// Announced says whether a successful run's outcome is announced where it was asked (a
	// !stage's `requested`), so that the core does not say it twice.
	Announced bool
}

// Registry dispatches commands.
type Registry struct {
	Render chat.Renderer
	cmds   map[string]*Command
}

var _ bot.Commands = (*Registry)(nil)

// NewRegistry makes a registry with every stagebot command bound to svc.
func NewRegistry(prefix string, svc Service) *Registry {
	r := &Registry{Render: chat.Renderer{Prefix: prefix}, cmds: map[string]*Command{}}
	registerStage(r, svc)
	registerDecisions(r, svc)
	registerSignals(r, svc)
	registerViews(r, svc)
	registerPeople(r, svc)
	registerHelp(r)
	return r
}

// Prefix is the command prefix.
func (r *Registry) Prefix() string { return r.Render.Prefix }

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

// Names lists the commands in alphabetical order.
func (r *Registry) Names() []string {
	var out []string
	for n := range r.cmds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parse recognises a command in a chat line (bot.Commands): the prefix, addressing the
// bot by name ("stagebot: status ID", "stagebot, !status ID"), or, in a direct
// conversation, the bare command. This is where a chat line becomes a command, so this is
// where what the user typed is cleaned (stagebot.CleanText).
func (r *Registry) Parse(text, botNick string, direct bool) (bot.Command, bool) {
	line, ok := Parse(r.Render.Prefix, botNick, text)
	if !ok && direct {
		line, ok = strings.TrimSpace(text), strings.TrimSpace(text) != ""
	}
	if !ok {
		return bot.Command{}, false
	}
	name, args, _ := strings.Cut(stagebot.CleanText(strings.TrimSpace(line)), " ")
	c := bot.Command{Name: name, Args: strings.TrimSpace(args), ReadOnly: true}
	if cmd, ok := r.Lookup(name); ok {
		c.Name, c.Known, c.ReadOnly, c.Background, c.TakesFiles = cmd.Name, true, cmd.ReadOnly, cmd.Background, cmd.TakesFiles
	} else if direct && !strings.HasPrefix(strings.TrimSpace(text), r.Render.Prefix) && r.near(name) == "" {
		return bot.Command{}, false // words in a DM that are no command, nor near one: chatter
	}
	return c, true
}

// Run runs a parsed command (bot.Commands). Every refusal is a reply that says why.
func (r *Registry) Run(ctx context.Context, c bot.Command, caller bot.Caller) bot.Answer {
	env := &Env{Actor: caller.Actor.Clean(), LocalPaths: caller.LocalPaths, Say: caller.Say}
	for _, a := range caller.Attachments {
		a.Value = stagebot.CleanText(a.Value)
		env.Attachments = append(env.Attachments, a)
	}
	cmd, ok := r.Lookup(c.Name)
	if !ok {
		return bot.Answer{Reply: r.Render.UnknownCommand(c.Name, r.near(c.Name)), Code: stagebot.EINVALID}
	}
	reply, err := cmd.Run(ctx, env, c.Args)
	if err != nil {
		ans := bot.Answer{Code: stagebot.ErrorCode(err)}
		if ref := refusedRequest(err); ref != nil {
			ans.Request = ref.ID
		}
		if u := (usageError{}); errors.As(err, &u) {
			ans.Reply = r.Render.Usage(cmd.Name, u.args)
			return ans
		}
		ans.Reply = r.Render.Refusal(err)
		return ans
	}
	return bot.Answer{Reply: reply, Done: true, Announced: cmd.Announced, Request: reply.RequestID}
}

// refusedRequest is the request a refusal names, if any.
func refusedRequest(err error) *stagebot.RequestRef {
	var ref *stagebot.Refusal
	if errors.As(err, &ref) {
		return ref.Request
	}
	return nil
}

// Exec runs a command line without its prefix, as a chat line would run it: for tests and
// the in-process bench.
func (r *Registry) Exec(ctx context.Context, env *Env, line string) bot.Answer {
	c, ok := r.Parse(r.Render.Prefix+line, "", false)
	if !ok {
		return bot.Answer{}
	}
	return r.Run(ctx, c, bot.Caller{Actor: env.Actor, LocalPaths: env.LocalPaths, Attachments: env.Attachments, Say: env.Say})
}

// near is the command name closest to a mistyped one, if any is close enough.
func (r *Registry) near(name string) string {
	best, dist := "", 3
	for _, n := range r.Names() {
		if d := distance(strings.ToLower(name), n); d < dist {
			best, dist = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance of two short words.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
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
type usageError struct {
	args string
	err  *stagebot.Error
}

func (u usageError) Error() string { return u.err.Message }
func (u usageError) Unwrap() error { return u.err }

// usage is the usage error of a command taking args.
func usage(args string) error {
	return usageError{args: args, err: stagebot.Errorf(stagebot.EINVALID, "usage: %s", args)}
}
