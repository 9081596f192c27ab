package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"stagebot"
	"stagebot/app"
	"stagebot/storage"
)

func cmdAudit(args []string, stdout, stderr io.Writer) int {
	const usage = "usage: stagebot audit verify|log [--config FILE | --db FILE] [--request ID (log only)]"
	if len(args) == 0 || (args[0] != "verify" && args[0] != "log") {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("audit "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (its state_dir holds stagebot.db)")
	dbPath := fs.String("db", "", "the bbolt file itself")
	request := ""
	if verb == "log" {
		fs.StringVar(&request, "request", "", "only the entries of this request (ID or a unique prefix)")
	}
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, usage)
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
		fmt.Fprintf(stderr, "stagebot audit %s: %v\n", verb, err)
		return exitUsage
	}
	defer db.Close()
	var n int
	var verr error
	err = db.View(func(tx *storage.Tx) error {
		if verb == "log" {
			id := ""
			if request != "" {
				r, err := tx.FindRequest(request)
				if err != nil {
					return err
				}
				id = r.ID
			}
			entries, err := tx.AuditLog(id)
			if err != nil {
				return err
			}
			for _, e := range entries {
				printEntry(stdout, e)
			}
		}
		n, verr = tx.VerifyAudit()
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "stagebot audit %s: %s\n", verb, stagebot.ErrorMessage(err))
		return exitUsage
	}
	if verr != nil {
		fmt.Fprintf(stdout, "audit log BROKEN after %d good entries: %v\n", n, verr)
		return exitRejected
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return exitOK
}

// printEntry writes one audit entry as a line: when (UTC), the request, who, what.
func printEntry(w io.Writer, e storage.Entry) {
	id := "-"
	if e.RequestID != "" {
		id = "[" + stagebot.ShortID(e.RequestID) + "]"
	}
	line := fmt.Sprintf("%s %s %s: %s", e.At.UTC().Format("2006-01-02 15:04:05 UTC"), id, e.Actor, e.Action)
	if e.Detail != "" {
		line += ": " + e.Detail
	}
	fmt.Fprintln(w, stagebot.CleanText(line))
}
