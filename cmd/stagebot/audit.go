package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"stagebot/app"
	"stagebot/storage"
)

func cmdAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: stagebot audit verify [--config FILE | --db FILE]")
		return exitUsage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (its state_dir holds stagebot.db)")
	dbPath := fs.String("db", "", "the bbolt file itself")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	path := *dbPath
	if path == "" {
		cfg, err := loadConfig(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		path = filepath.Join(cfg.StateDir, app.DBFile)
	}
	db, err := storage.OpenReadOnly(path)
	if err != nil {
		fmt.Fprintf(stderr, "stagebot audit verify: %v\n", err)
		return exitUsage
	}
	defer db.Close()
	var n int
	err = db.View(func(tx *storage.Tx) error {
		var err error
		n, err = tx.VerifyAudit()
		return err
	})
	if err != nil {
		fmt.Fprintf(stdout, "audit log BROKEN after %d good entries: %v\n", n, err)
		return exitRejected
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return exitOK
}
