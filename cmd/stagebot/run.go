package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"

	"stagebot/app"
	"stagebot/config"
)

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (none: the embedded default)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: stagebot run [--config FILE]")
		fs.PrintDefaults()
	}
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		// Asked for: the usage goes to stdout and it is not an error.
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	case err != nil || fs.NArg() > 0:
		fmt.Fprintln(stderr, "usage: stagebot run [--config FILE]")
		return exitUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	log := app.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	ctx, stop := app.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg, stdin, stdout, log); err != nil {
		log.Error("stagebot stopped", "err", err)
		return 1
	}
	return exitOK
}

// loadConfig reads the config file, or returns the embedded default when path is "".
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path, nil)
}
