package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/receipt"
	"stagebot/receipt/receipttest"
	"stagebot/storage"
)

// TestReceiptsKeyWired: with receipts.key set, a click locked through the console is
// announced with its receipt, and the receipt kept in state_dir verifies with the key's
// public half against the click.
func TestReceiptsKeyWired(t *testing.T) {
	dir := t.TempDir()
	key := receipttest.Key(9)
	priv, _ := receipttest.WriteKeys(t, dir, "receipts", key)
	cfg := consoleConfig(t, dir, "receipts: {key: \""+priv+"\"}\n")
	path := clicktest.Build(t, dir, clicktest.Spec{Name: "com.example.wired", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"f": "wired"}})

	run := func(input string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out, log bytes.Buffer
		if err := Run(ctx, cfg, strings.NewReader(input), &out, slog.New(slog.NewTextHandler(&log, nil))); err != nil {
			t.Fatalf("Run: %v\nlog:\n%s", err, log.String())
		}
		return out.String()
	}
	run("alice> !stage " + path + "\n")
	var id string
	db := filepath.Join(cfg.StateDir, DBFile)
	withDB(t, db, func(tx *storage.Tx) error {
		return tx.ForEachRequest(func(r *stagebot.Request) error { id = r.ID; return nil })
	})
	if id == "" {
		t.Fatal("nothing staged")
	}
	out := run("bob> !approve " + stagebot.ShortID(id) + "\n")
	if !strings.Contains(out, "locked: on snakefruit and in the list; signed receipt kept") {
		t.Fatalf("the locked announcement does not tell of the receipt:\n%s", out)
	}
	var env []byte
	withDB(t, db, func(tx *storage.Tx) error {
		var err error
		env, err = tx.Receipt(id)
		return err
	})
	click, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receipt.Verify(env, bytes.NewReader(click), key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("the receipt kept does not verify: %v\n%s", err, env)
	}
}
