package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"stagebot"
	"stagebot/httpapi"
	"stagebot/storage"
)

// cmdReceipt prints a request's signed receipt exactly as it was stored at the lock, the
// bytes GET /api/requests/{id}/receipt serves, ready for `stagebot verify`. It reads the
// database, or the running bot's HTTP listener when that bot holds the database.
func cmdReceipt(args []string, stdout, stderr io.Writer) int {
	self := commandNamed("receipt")
	fs := newFlagSet("receipt")
	cfgPath := fs.String("config", "", "config file: its state_dir holds stagebot.db, its http.listen answers while the bot runs")
	dbPath := fs.String("db", "", "the bbolt file itself")
	pos, err := parseInterspersed(fs, args)
	switch {
	case err != nil:
		return usageError(stderr, self, "%v", err)
	case len(pos) != 1:
		return usageError(stderr, self, "needs one request ID")
	case *cfgPath != "" && *dbPath != "":
		return usageError(stderr, self, "give --config or --db, not both")
	case !isIDPrefix(pos[0]):
		return usageError(stderr, self, "%q is not a request ID: give at least %d hex digits of it", pos[0], stagebot.MinIDPrefix)
	}
	src, err := dbPlace(*cfgPath, *dbPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	env, err := src.readReceipt(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, stagebot.CleanText("stagebot receipt: "+err.Error()))
		return receiptExit(err)
	}
	if _, err := stdout.Write(env); err != nil {
		fmt.Fprintf(stderr, "stagebot receipt: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// readReceipt reads the receipt of the request with that ID or unique prefix from the file
// or, when a running bot holds the file, from that bot.
func (a dbSource) readReceipt(id string) ([]byte, error) {
	var env []byte
	err := a.reach(func(db *storage.DB) error {
		return db.View(func(tx *storage.Tx) error {
			var err error
			env, err = tx.FindReceipt(id)
			return err
		})
	}, func(ctx context.Context, listen string) error {
		var err error
		env, err = httpapi.FetchReceipt(ctx, listen, id)
		return err
	})
	return env, err
}

// receiptExit is the exit status for err: 1 when there is no such receipt (an unknown ID,
// a request without one), 2 for an ID that names no single request and for anything that
// kept the command from looking.
func receiptExit(err error) int {
	var remote *httpapi.RemoteError
	switch {
	case errors.As(err, &remote):
		if remote.Status == http.StatusNotFound {
			return exitRejected
		}
	case stagebot.ErrorCode(err) == stagebot.ENOTFOUND:
		return exitRejected
	}
	return exitUsage
}

// isIDPrefix reports whether q can name a request, as the database and the API judge it:
// so that a malformed ID is a usage error whichever of the two is asked.
func isIDPrefix(q string) bool {
	q = strings.TrimSpace(q)
	if len(q) < stagebot.MinIDPrefix || len(q) > 36 {
		return false
	}
	return strings.Trim(strings.ToLower(q), "0123456789abcdef-") == ""
}
