package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

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
	opts := click.Options{SHA512: true}
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
		// As !stage judges it: a file named as a click must carry the name its manifest
		// makes.
		if base := filepath.Base(path); strings.HasSuffix(base, ".click") && info.Filename != "" && base != info.Filename {
			fmt.Fprintf(stdout, "  rejected: mislabelled: its manifest makes it %s\n", info.Filename)
			code = exitRejected
		}
	}
	return code
}
