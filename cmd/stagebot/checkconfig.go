package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"stagebot/config"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) int {
	const usage = "usage: stagebot check-config --config FILE"
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("config", "", "config file")
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stdout, usage)
		fmt.Fprintln(stdout, "  validates FILE in one pass, reading the files the bot reads at start; prints every")
		fmt.Fprintln(stdout, "  problem as FILE: key.path: what is wrong; exit 0 valid (warnings aside), 2 invalid")
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "stagebot check-config: %v\n%s\n", err, usage)
		return exitUsage
	case *path == "" || fs.NArg() > 0:
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	cfg, err := config.Load(*path, nil)
	var ps config.Problems
	switch {
	case errors.As(err, &ps):
	case err != nil:
		fmt.Fprintf(stdout, "%s: %v\n", *path, err)
		return exitUsage
	default:
		ps = cfg.Warnings
	}
	for _, p := range ps {
		fmt.Fprintln(stdout, p)
	}
	if err != nil {
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: valid\n", *path)
	return exitOK
}
