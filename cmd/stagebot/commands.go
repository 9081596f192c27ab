package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// stdio is a subcommand's standard streams.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand. Every subcommand is in commands: the overview, the dispatch
// and --help all read it, so none can be missing from one of them.
type command struct {
	name  string // as typed, one or two words: "inspect", "audit log"
	usage string // its synopsis after "stagebot "
	about string // what it does, in a line, for the overview
	help  string // more for its --help: the flags and exit statuses
	run   func(args []string, s stdio) int
}

var commands []*command

func init() {
	// In init: the entries' run functions reach commands (through runCommand), which a
	// package-level initializer may not.
	commands = []*command{
		{name: "run", usage: "run [--config FILE]",
			about: "run the bot; `stagebot` alone and `stagebot --config FILE` run it too (no config: the embedded default, console chat on stdin)",
			help: "  --config FILE  the configuration (none: the embedded default)\n" +
				"exit 0 on EOF (console only) or SIGINT/SIGTERM, 2 for a config error,\n" +
				"3 when a chat network refuses the bot's credential",
			run: func(args []string, s stdio) int { return cmdRun(args, s.in, s.out, s.err) }},
		{name: "check-config", usage: "check-config --config FILE",
			about: "validate a config: every problem as FILE: key.path: message; exit 2 when invalid",
			run:   func(args []string, s stdio) int { return cmdCheckConfig(args, s.out, s.err) }},
		{name: "inspect", usage: "inspect [--keyring FILE] CLICK...",
			about: "inspect clicks as !stage would; exit 1 if any is rejected",
			help: "  --keyring FILE  an OpenPGP keyring (binary or armoured): every click must be signed by a key in it\n" +
				"one line per click (PATH: OK or REJECTED and why), its details indented below;\n" +
				"exit 0 when every click is acceptable, 1 when any is rejected, 2 for wrong arguments",
			run: func(args []string, s stdio) int { return cmdInspect(args, s.out, s.err) }},
		{name: "audit verify", usage: "audit verify [--config FILE | --db FILE]",
			about: "recompute the audit log's hash chain; exit 1 on a break",
			run:   func(args []string, s stdio) int { return cmdAudit(append([]string{"verify"}, args...), s.out, s.err) }},
		{name: "audit log", usage: "audit log [--config FILE | --db FILE] [--request ID]",
			about: "print the audit trail, one entry a line, the chain's verdict last",
			run:   func(args []string, s stdio) int { return cmdAudit(append([]string{"log"}, args...), s.out, s.err) }},
		{name: "verify", usage: verifyUsage[len("usage: stagebot "):],
			about: "check a receipt offline against the click; exit 1 if not valid",
			run:   func(args []string, s stdio) int { return cmdVerify(args, s.in, s.out, s.err) }},
		{name: "healthcheck", usage: "healthcheck [--config FILE]",
			about: "ask the running bot's /readyz (http.listen); exit 0 ready, 1 not",
			help: "  --config FILE  the bot's configuration; its http.listen is asked\n" +
				"exit 0 ready, 1 not ready or not answering, 2 without http.listen",
			run: func(args []string, s stdio) int { return cmdHealthcheck(args, s.out, s.err) }},
		{name: "version", usage: "version",
			about: "version, commit, Go version",
			run: func(args []string, s stdio) int {
				if len(args) > 0 {
					return usageError(s.err, commandNamed("version"), "takes no arguments")
				}
				return cmdVersion(s.out)
			}},
	}
}

// findCommand is the command args name, and the arguments that follow its name.
func findCommand(args []string) (*command, []string) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):]
		}
	}
	return nil, nil
}

// commandNamed is the command called name; it must exist.
func commandNamed(name string) *command {
	c, _ := findCommand(strings.Fields(name))
	if c == nil {
		panic("stagebot: no command " + name)
	}
	return c
}

// commandGroup is the commands whose first word is word and that have a second
// ("audit" is "audit verify" and "audit log").
func commandGroup(word string) []*command {
	var out []*command
	for _, c := range commands {
		if first, _, two := strings.Cut(c.name, " "); two && first == word {
			out = append(out, c)
		}
	}
	return out
}

// usageError refuses a command's arguments: what is wrong, then its usage, on stderr.
func usageError(stderr io.Writer, c *command, format string, args ...any) int {
	fmt.Fprintf(stderr, "stagebot %s: %s\n", c.name, fmt.Sprintf(format, args...))
	printUsage(stderr, []*command{c})
	return exitUsage
}

// newFlagSet is a subcommand's flag set that prints nothing itself: a refusal is said once,
// by usageError, and --help is answered before the flags are parsed.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}
