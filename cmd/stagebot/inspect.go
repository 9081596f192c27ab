package main

import (
	"flag"
	"fmt"
	"io"

	"stagebot/click"
)

func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyring := fs.String("keyring", "", "OpenPGP keyring (binary or armoured): every click must be signed by a key in it")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: stagebot inspect [--keyring FILE] CLICK...")
		return exitUsage
	}
	var opts click.Options
	if *keyring != "" {
		kr, err := click.LoadKeyring(*keyring)
		if err != nil {
			fmt.Fprintf(stderr, "stagebot inspect: keyring %s: %v\n", *keyring, err)
			return exitUsage
		}
		opts.Keyring = kr
	}
	code := exitOK
	for i, path := range fs.Args() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		info, err := click.InspectFile(path, opts)
		if err != nil {
			fmt.Fprintf(stdout, "%s: rejected: %v\n", path, err)
			code = exitRejected
			continue
		}
		fmt.Fprintf(stdout, "%s:\n", path)
		info.Format(stdout)
		if !info.OK() {
			code = exitRejected
		}
	}
	return code
}
