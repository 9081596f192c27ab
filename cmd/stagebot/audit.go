package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"stagebot"
	"stagebot/app"
	"stagebot/config"
	"stagebot/httpapi"
	"stagebot/storage"
)

const auditUsage = "usage: stagebot audit verify|log [--config FILE | --db FILE] [--request ID (log only)]"

func cmdAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, auditUsage)
		return exitOK
	}
	if len(args) == 0 || (args[0] != "verify" && args[0] != "log") {
		fmt.Fprintln(stderr, auditUsage)
		return exitUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("audit "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "config file: its state_dir holds stagebot.db, its http.listen answers while the bot runs")
	dbPath := fs.String("db", "", "the bbolt file itself")
	request := ""
	if verb == "log" {
		fs.StringVar(&request, "request", "", "only the entries of this request (ID or a unique prefix)")
	}
	switch err := fs.Parse(args[1:]); {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stdout, auditUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "stagebot audit %s: %v\n%s\n", verb, err, auditUsage)
		return exitUsage
	case fs.NArg() > 0 || *cfgPath != "" && *dbPath != "":
		fmt.Fprintln(stderr, auditUsage)
		return exitUsage
	}
	src, err := dbPlace(*cfgPath, *dbPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	trail, err := src.readAudit(request)
	if err != nil {
		fmt.Fprintf(stderr, "stagebot audit %s: %s\n", verb, err)
		return exitUsage
	}
	if verb == "log" {
		for _, e := range trail.Entries {
			printEntry(stdout, e)
		}
	}
	if !trail.Intact {
		fmt.Fprintf(stdout, "audit log BROKEN after %d good entries: %s\n", trail.Checked, trail.Problem)
		return exitRejected
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", trail.Checked)
	return exitOK
}

// dbSource is where the bot's records are (the audit log, the receipts): the database
// file, and the running bot's HTTP listener for when that bot holds it.
type dbSource struct {
	db string
	// listen is the config's http.listen ("" none); hint says how to reach a running bot
	// when there is no listener to ask.
	listen, hint string
}

// dbPlace finds the database from a command's flags: the config (read as the subcommands
// that only read do, so the chat and webhook secrets may be unset), the file itself, or
// the embedded default's.
func dbPlace(cfgPath, dbPath string) (dbSource, error) {
	switch {
	case dbPath != "":
		return dbSource{db: dbPath, hint: "give --config with the bot's config to read it through the bot's http.listen"}, nil
	case cfgPath != "":
		ro, err := config.LoadReadOnly(cfgPath, nil)
		if err != nil {
			return dbSource{}, err
		}
		return dbSource{db: filepath.Join(ro.StateDir, app.DBFile), listen: ro.Listen,
			hint: "its config has no http.listen to read it through"}, nil
	}
	return dbSource{db: filepath.Join(config.Default().StateDir, app.DBFile),
		hint: "give --config with its config to read it through its http.listen"}, nil
}

// reach reads the records with local, handed the file opened read-only, or, when a running
// bot holds the file, with remote, handed that bot's http.listen. An error the bot
// answered with comes back as the *httpapi.RemoteError it is.
func (a dbSource) reach(local func(db *storage.DB) error, remote func(ctx context.Context, listen string) error) error {
	if _, err := os.Stat(a.db); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("no database at %s: %v", a.db, err)
	}
	if !heldByAnother(a.db) {
		db, err := storage.OpenReadOnly(a.db)
		if err == nil {
			defer db.Close()
			return local(db)
		}
		// A bot that started since the look above holds it now.
		if !errors.Is(err, berrors.ErrTimeout) {
			return err
		}
	}
	if a.listen == "" {
		return fmt.Errorf("%s is held by a running stagebot: %s", a.db, a.hint)
	}
	err := remote(context.Background(), a.listen) // the httpapi client bounds its own answer
	var answered *httpapi.RemoteError
	if err != nil && !errors.As(err, &answered) {
		return fmt.Errorf("%s is held by a running stagebot, which did not answer: %w", a.db, err)
	}
	return err
}

// readAudit reads the audit trail about request ("" for all) from the file or, when a
// running bot holds the file, from that bot.
func (a dbSource) readAudit(request string) (*httpapi.AuditTrail, error) {
	var trail *httpapi.AuditTrail
	err := a.reach(func(db *storage.DB) error {
		var err error
		if trail, err = httpapi.StoredAudit(db)(request); err != nil {
			return errors.New(stagebot.ErrorMessage(err))
		}
		return nil
	}, func(ctx context.Context, listen string) error {
		var err error
		trail, err = httpapi.FetchAudit(ctx, listen, request)
		return err
	})
	return trail, err
}

// printEntry writes one audit entry as a line: when (UTC), the request, who, what.
func printEntry(w io.Writer, e httpapi.AuditEntry) {
	id := "-"
	if e.UUID != "" {
		id = "[" + stagebot.ShortID(e.UUID) + "]"
	}
	line := fmt.Sprintf("%s %s %s: %s", time.Time(e.At).UTC().Format("2006-01-02 15:04:05 UTC"), id, e.Who, e.What)
	if e.Detail != "" {
		line += ": " + e.Detail
	}
	fmt.Fprintln(w, stagebot.CleanText(line))
}
