package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"stagebot/config"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file")
	if err := fs.Parse(args); err != nil || *path == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: stagebot check-config --config FILE")
		return exitUsage
	}
	if _, err := config.Load(*path, nil); err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stdout, p)
			}
		} else {
			fmt.Fprintf(stdout, "%s: %v\n", *path, err)
		}
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: valid\n", *path)
	return exitOK
}
