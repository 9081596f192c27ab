package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"stagebot/app"
	"stagebot/bot"
	"stagebot/config"
	"stagebot/snakefruit"
)

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run")
	cfgPath := fs.String("config", "", "config file (none: the embedded default)")
	if err := fs.Parse(args); err != nil {
		return usageError(stderr, commandNamed("run"), "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, commandNamed("run"), "unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	log := app.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	// What check-config warns of (anyone may approve, an unknown host key) is worth a line
	// at every start too: nobody runs check-config twice.
	for _, w := range cfg.Warnings {
		log.Warn("config", "key", w.Path, "warning", w.Message)
	}
	ctx, stop := app.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runExit(app.Run(ctx, cfg, stdin, stdout, log), *cfgPath, stderr)
}

// runExit says on stderr, in one line, why the bot stopped, and picks the exit status a
// supervisor acts on: a config or credential error (2, 3) is not worth a restart.
func runExit(err error, cfgPath string, stderr io.Writer) int {
	var refused *bot.CredentialError
	var wrong *bot.ConfigError
	var badTarget *snakefruit.ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &refused):
		fmt.Fprintf(stderr, "stagebot: %v; fix %s in %s and start stagebot again\n", refused, refused.Setting, cmp.Or(cfgPath, "the config"))
		return exitCredential
	case errors.As(err, &wrong):
		fmt.Fprintf(stderr, "stagebot: %s: %v\n", cmp.Or(cfgPath, "the config"), wrong)
		return exitUsage
	case errors.As(err, &badTarget):
		fmt.Fprintf(stderr, "stagebot: %s: %v\n", cmp.Or(cfgPath, "the embedded default"), err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "stagebot: %v\n", err)
	return exitFailed
}

// loadConfig reads the config file, or returns the embedded default when path is "".
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path, nil)
}
