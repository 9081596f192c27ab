// Command stagebot is the staging bot: `stagebot run` (the default) runs it, and the other
// subcommands check a config, inspect clicks, verify the audit log and print the version.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes shared by the subcommands.
const (
	exitOK       = 0
	exitRejected = 1 // inspect: a click was rejected; audit verify: the chain is broken; verify: not valid
	exitUsage    = 2 // bad arguments; check-config: the config is invalid
	// run: a chat network refused the bot's credential; restarting cannot help.
	exitCredential = 3
	exitFailed     = 1 // run: stopped by an error other than the above
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := stdio{in: stdin, out: stdout, err: stderr}
	if len(args) == 0 || isFlag(args[0]) && !isHelp(args[0]) && !isVersion(args[0]) {
		// `stagebot --config FILE` is `stagebot run --config FILE`.
		return runCommand(commandNamed("run"), args, s)
	}
	switch {
	case isHelp(args[0]) || args[0] == "help" && len(args) == 1:
		usage(stdout)
		return exitOK
	case args[0] == "help":
		// `stagebot help inspect` is `stagebot inspect --help`.
		return run(append(args[1:], "--help"), stdin, stdout, stderr)
	case isVersion(args[0]):
		return runCommand(commandNamed("version"), nil, s)
	}
	if c, rest := findCommand(args); c != nil {
		return runCommand(c, rest, s)
	}
	if group := commandGroup(args[0]); len(group) > 0 {
		// `stagebot audit` without a verb it knows.
		if len(args) > 1 && !helpAsked(args[1:]) {
			fmt.Fprintf(stderr, "stagebot %s: unknown command %q\n", args[0], args[1])
		}
		out, code := stderr, exitUsage
		if helpAsked(args[1:]) {
			out, code = stdout, exitOK
		}
		printUsage(out, group)
		return code
	}
	fmt.Fprintf(stderr, "stagebot: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

// runCommand runs c on its arguments, or prints its usage when they ask for help: the one
// place --help is answered, so that every subcommand answers it the same way.
func runCommand(c *command, args []string, s stdio) int {
	if helpAsked(args) {
		printUsage(s.out, []*command{c})
		fmt.Fprintln(s.out, c.about)
		if c.help != "" {
			fmt.Fprintln(s.out, c.help)
		}
		return exitOK
	}
	return c.run(args, s)
}

// helpAsked reports whether args ask for help (-h, -help, --help) before any "--".
func helpAsked(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelp(a) {
			return true
		}
	}
	return false
}

func isFlag(a string) bool    { return strings.HasPrefix(a, "-") }
func isHelp(a string) bool    { return a == "-h" || a == "-help" || a == "--help" }
func isVersion(a string) bool { return a == "-version" || a == "--version" }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: stagebot [COMMAND] [ARGUMENTS]")
	for _, c := range commands {
		fmt.Fprintf(w, "  stagebot %s\n", c.usage)
		fmt.Fprintf(w, "      %s\n", c.about)
	}
	fmt.Fprintln(w, "`stagebot COMMAND --help` explains one command.")
}

// printUsage writes one usage block for cs: `usage: stagebot ...` and then one line for
// each further form.
func printUsage(w io.Writer, cs []*command) {
	for i, c := range cs {
		lead := "usage:"
		if i > 0 {
			lead = "      "
		}
		fmt.Fprintf(w, "%s stagebot %s\n", lead, c.usage)
	}
}
