// Command stagebot is the staging bot: `stagebot run` (the default) runs it, and the other
// subcommands check a config, inspect clicks, verify the audit log and print the version.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes shared by the subcommands.
const (
	exitOK       = 0
	exitRejected = 1 // inspect: a click was rejected; audit verify: the chain is broken; verify: not valid
	exitUsage    = 2 // bad arguments; check-config: the config is invalid
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return cmdRun(nil, stdin, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdin, stdout, stderr)
	case "check-config":
		return cmdCheckConfig(args[1:], stdout, stderr)
	case "inspect":
		return cmdInspect(args[1:], stdout, stderr)
	case "audit":
		return cmdAudit(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(args[1:], stdin, stdout, stderr)
	case "version", "--version", "-version":
		return cmdVersion(stdout)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "stagebot: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  stagebot [run] [--config FILE]        run the bot (no config: the embedded default, console chat)
  stagebot check-config --config FILE   validate a config; exit 2 when invalid
  stagebot inspect [--keyring FILE] CLICK...
                                        inspect clicks as !stage would; exit 1 if any is rejected
  stagebot audit verify [--config FILE | --db FILE]
                                        recompute the audit log's hash chain; exit 1 on a break
  stagebot audit log [--config FILE | --db FILE] [--request ID]
                                        print the audit trail, one entry a line, the chain's verdict last
  stagebot verify --key PUB.pem [--key PUB2.pem ...] CLICK RECEIPT
                                        check a receipt offline against the click; exit 1 if not valid
  stagebot version                      version, commit, Go version
`)
}
