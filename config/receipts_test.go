package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/receipt/receipttest"
)

// TestReceiptsKey: receipts.key is read as the bot reads it at start: a usable ed25519
// private key passes, anything the start would refuse is one problem at receipts.key
// saying what the file is.
func TestReceiptsKey(t *testing.T) {
	dir := t.TempDir()
	priv, pub := receipttest.WriteKeys(t, dir, "receipts", receipttest.Key(3))
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)
	missing := filepath.Join(dir, "none.pem")
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	cases := []struct {
		name, key string
		want      string // "" = valid
	}{
		{"unset", "", ""},
		{"a private key", priv, ""},
		{"missing", missing, "f.yaml: receipts.key: cannot read " + missing + ": no such file or directory"},
		{"the public half", pub, "f.yaml: receipts.key: " + pub + ": unusable key: this is a public key"},
		{"not PEM", garbage, "f.yaml: receipts.key: " + garbage + ": unusable key: not a PEM file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			yaml := base
			if c.key != "" {
				yaml += "receipts: {key: \"" + c.key + "\"}\n"
			}
			cfg, err := Parse("f.yaml", []byte(yaml), env(nil))
			if c.want == "" {
				if err != nil || cfg.Receipts.Key != c.key {
					t.Fatalf("problems %v, key %q", err, cfg.Receipts.Key)
				}
				return
			}
			ps, ok := err.(Problems)
			if !ok || len(ps) != 1 || !strings.HasPrefix(ps[0].String(), c.want) {
				t.Fatalf("problems %v, want one starting %q", err, c.want)
			}
		})
	}
}
