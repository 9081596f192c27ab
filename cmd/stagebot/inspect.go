package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"stagebot"
	"stagebot/click"
)

// cmdInspect inspects each click as !stage would. Flags may stand anywhere among the
// clicks (`inspect CLICK --keyring K`); after "--" every argument is a click.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	self := commandNamed("inspect")
	fs := newFlagSet("inspect")
	keyring := fs.String("keyring", "", "OpenPGP keyring (binary or armoured): every click must be signed by a key in it")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(stderr, self, "%v", err)
	}
	if len(paths) == 0 {
		return usageError(stderr, self, "no click to inspect")
	}
	opts := click.Options{SHA512: true}
	if *keyring != "" {
		kr, err := click.LoadKeyring(*keyring)
		if err != nil {
			fmt.Fprintf(stderr, "stagebot inspect: --keyring: %v\n", err)
			return exitUsage
		}
		opts.Keyring = kr
	}
	code := exitOK
	for _, path := range paths {
		if !inspectOne(stdout, path, opts) {
			code = exitRejected
		}
	}
	return code
}

// inspectOne writes one line for path, its verdict and why, and the details of a click it
// could read below it, indented; it reports whether the click is acceptable.
func inspectOne(w io.Writer, path string, opts click.Options) bool {
	info, err := click.InspectFile(path, opts)
	if err != nil {
		// The path heads the line already; the file system's error would name it again.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		fmt.Fprintln(w, stagebot.CleanText(fmt.Sprintf("%s: REJECTED: cannot read it: %v", path, err)))
		return false
	}
	var why []string
	for _, p := range info.Problems {
		why = append(why, p.Message)
	}
	// As !stage judges it: a file named as a click must carry the name its manifest makes.
	if base := filepath.Base(path); strings.HasSuffix(base, ".click") && info.Filename != "" && base != info.Filename {
		why = append(why, "mislabelled: its manifest makes it "+info.Filename)
	}
	line := path + ": OK " + info.Filename
	if len(why) > 0 {
		line = path + ": REJECTED: " + strings.Join(why, "; ")
	}
	fmt.Fprintln(w, stagebot.CleanText(line))
	info.Details(w)
	return len(why) == 0
}
