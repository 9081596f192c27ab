package watch_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

const (
	rcChannel     = "ubuntu-touch/rc-proposed/bq-aquaris.en"
	stableChannel = "ubuntu-touch/stable/bq-aquaris.en"
	rcIndex       = "/" + rcChannel + "/krillin/index.json"
	stableIndex   = "/" + stableChannel + "/krillin/index.json"
)

// channelsJSON is a channels.json as system-image-server writes it.
const channelsJSON = `{
  "` + rcChannel + `": {"devices": {"krillin": {"index": "` + rcIndex + `",
      "keyring": {"path": "/gpg/device-krillin.tar.xz", "signature": "/gpg/device-krillin.tar.xz.asc"}}}},
  "` + stableChannel + `": {"devices": {"krillin": {"index": "` + stableIndex + `",
      "keyring": {"path": "/gpg/device-krillin.tar.xz", "signature": "/gpg/device-krillin.tar.xz.asc"}}}},
  "ubuntu-touch/devel/bq-aquaris.en": {"hidden": true, "devices": {"krillin": {"index": "/ubuntu-touch/devel/bq-aquaris.en/krillin/index.json"}}}
}`

// indexJSON is an index.json with a full image and its delta, as system-image-server
// writes them; phased < 0 leaves the phased-percentage key out.
func indexJSON(version, phased int) string {
	pp := ""
	if phased >= 0 {
		pp = fmt.Sprintf(`, "phased-percentage": %d`, phased)
	}
	return fmt.Sprintf(`{
  "global": {"generated_at": "Fri Mar 18 15:19:40 UTC 2016"},
  "images": [
    {"type": "full", "version": %[1]d, "version_detail": "ubuntu=20160318,device=20160315,version=%[1]d",
     "description": "ubuntu=20160318,device=20160315,version=%[1]d",
     "files": [
       {"checksum": "1a2b", "order": 0, "path": "/pool/ubuntu-1a2b.tar.xz", "signature": "/pool/ubuntu-1a2b.tar.xz.asc", "size": 321000000},
       {"checksum": "3c4d", "order": 1, "path": "/pool/device-3c4d.tar.xz", "signature": "/pool/device-3c4d.tar.xz.asc", "size": 80000000},
       {"checksum": "5e6f", "order": 2, "path": "/ubuntu-touch/krillin/version-%[1]d.tar.xz", "signature": "/ubuntu-touch/krillin/version-%[1]d.tar.xz.asc", "size": 2000}
     ]%[2]s},
    {"type": "delta", "base": %[3]d, "version": %[1]d, "description": "delta", "files": []%[2]s}
  ]
}`, version, pp, version-1)
}

// A system-image server's documents drive the whole tail of a request: the rc-proposed
// build carrying the stored click is announced, the stable copy is the promotion, its
// phased-percentage the phasing (10, 50, then the key gone = 100), and the publication
// runs at the end and flushes the list then and only then. Nonsense in the middle (a
// percentage out of range, a version going backwards) changes nothing. A restart on the
// same state announces nothing again.
func TestImageWatcherDrivesPromotionPhasingAndPublication(t *testing.T) {
	srv := newDocServer(t)
	srv.set("/channels.json", channelsJSON)
	srv.set(rcIndex, indexJSON(100, -1))
	srv.set(stableIndex, indexJSON(90, -1))

	dir := t.TempDir()
	published := filepath.Join(dir, "published")
	script := filepath.Join(dir, "publish.sh")
	writeScript(t, script, `echo "$@" >> `+published+"\nexit 0\n")
	extra := fmt.Sprintf(`images:
  server: %s/
  rc_proposed_channel: %s
  stable_channel: %s
  device: krillin
  poll_interval: 50ms
publish:
  command: [%s, "{name}", "{version}", "{arch}", "{path}", "{sha512}"]
`, srv.URL, rcChannel, stableChannel, script)
	b := bottest.StartIn(t, dir, extra)
	srv.awaitServed(t, stableIndex, 0)

	id, file := b.Stage(clicktest.Spec{Name: "com.example.phased", Version: "2.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	req := `\[` + id + `\] ` + regexp.QuoteMeta(file)
	b.Say("sil2100> !tick")
	b.WaitFor(`^` + req + ` stored`)
	if got := b.Count(`rc-proposed image \d|promoted|phasing`); got != 0 {
		t.Fatalf("the baselines were acted on:\n%s", strings.Join(b.Lines(), "\n"))
	}

	srv.set(rcIndex, indexJSON(101, -1))
	b.WaitFor(`rc-proposed image 101 carries ` + req)

	srv.set(stableIndex, indexJSON(101, 10))
	b.WaitFor(`^` + req + ` promoted`)
	b.WaitFor(`image 101 promoted to stable`)
	b.WaitFor(`phasing of image 101 at 10%`)

	before := len(b.Lines())
	for _, nonsense := range []string{
		strings.Replace(indexJSON(101, 10), `"phased-percentage": 10`, `"phased-percentage": 250`, 1),
		indexJSON(100, 50), // going backwards
		`{"images": [{"type": "delta", "version": 102, "base": 101, "files": []}]}`, // no full image
		`{"images": [`, // not JSON
	} {
		n := srv.set(stableIndex, nonsense)
		srv.awaitServed(t, stableIndex, n)
	}
	if after := b.Lines()[before:]; len(after) != 0 {
		t.Fatalf("nonsense indexes changed something:\n%s", strings.Join(after, "\n"))
	}
	if !strings.Contains(b.ListFile(), file) {
		t.Fatalf("the list lost %s before phasing ended:\n%s", file, b.ListFile())
	}

	srv.set(stableIndex, indexJSON(101, 50))
	b.WaitFor(`phasing of image 101 at 50%`)
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` ` + regexp.QuoteMeta(file) + ` promoted `)
	if !strings.Contains(b.ListFile(), file) {
		t.Fatalf("the list lost %s before phasing ended:\n%s", file, b.ListFile())
	}

	srv.set(stableIndex, indexJSON(101, -1))
	b.WaitFor(`phasing of image 101 at 100%: phased updates ended; publishing 1 click`)
	b.WaitFor(`^` + req + ` published`)
	if strings.Contains(b.ListFile(), file) {
		t.Fatalf("%s still in the list after publication:\n%s", file, b.ListFile())
	}
	args, err := os.ReadFile(published)
	if err != nil || !strings.HasPrefix(string(args), "com.example.phased 2.0 all ") {
		t.Fatalf("publish command got %q (%v)", args, err)
	}
	for word, want := range map[string]int{`rc-proposed image \d+`: 1, `promoted to stable`: 1, `phasing of image`: 3, ` published`: 1} {
		if got := b.Count(word); got != want {
			t.Errorf("%d lines with %q, want %d", got, word, want)
		}
	}

	// A restart keeps the baselines: nothing is announced again.
	b.Stop()
	stablePolls := srv.set(stableIndex, indexJSON(101, -1))
	rcPolls := srv.set(rcIndex, indexJSON(101, -1))
	b2 := bottest.StartIn(t, dir, extra)
	srv.awaitServed(t, stableIndex, stablePolls)
	srv.awaitServed(t, rcIndex, rcPolls)
	if got := b2.Count(`rc-proposed image \d|promoted|phasing`); got != 0 {
		t.Fatalf("a restart re-announced:\n%s", strings.Join(b2.Lines(), "\n"))
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}
