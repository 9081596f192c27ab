package watch_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// The synced list lacks the locked click, then gains it: the request is stored only then,
// each change is one tick, and a click left absent for absent_after ticks is flagged once
// in !status and in one announcement.
func TestWatchListStoresOnlyWhatTheSyncedListHolds(t *testing.T) {
	srv := newDocServer(t)
	srv.set("/synced", "")
	b := bottest.Start(t, fmt.Sprintf(`  watch_list: %s/synced
  poll_interval: 50ms
  absent_after: 1
`, srv.URL))
	srv.awaitServed(t, "/synced", 0) // the baseline is taken

	id, file := b.Stage(clicktest.Spec{Name: "com.example.watched", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	if n := b.Count(`tick`); n != 0 {
		t.Fatalf("the baseline ticked (%d tick lines)", n)
	}

	n := srv.set("/synced", "com.example.other_2.0_all.click\n")
	// The tick's transaction announces the absence first, then the tick.
	b.WaitFor(`^\[` + id + `\] ` + regexp.QuoteMeta(file) + ` locked: still absent from the synced click list after 1 tick`)
	b.WaitFor(`click-sync tick \(synced list changed\): no newly locked clicks`)
	srv.awaitServed(t, "/synced", n)
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` ` + regexp.QuoteMeta(file) + ` locked `)
	b.Say("alice> !status")
	b.WaitFor(`\[` + id + `\] ` + regexp.QuoteMeta(file) + ` is locked but absent from the synced click list`)

	// A tick from elsewhere (!tick) in watch mode also goes by the synced list.
	b.Say("sil2100> !tick")
	b.WaitFor(`^sil2100: tick recorded; 0 clicks stored`)

	srv.set("/synced", "com.example.other_2.0_all.click\n"+file+"\n")
	b.WaitFor(`^\[` + id + `\] ` + regexp.QuoteMeta(file) + ` stored`)
	b.WaitFor(`click-sync tick \(synced list changed\): stored \[` + id + `\]`)
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` ` + regexp.QuoteMeta(file) + ` stored `)

	if got := b.Count(`still absent from the synced click list`); got != 1 {
		t.Errorf("absence announced %d times, want once", got)
	}
	if got := b.Count(`click-sync tick \(synced list changed\)`); got != 2 {
		t.Errorf("%d watch ticks, want 2 (one per change)\n%s", got, strings.Join(b.Lines(), "\n"))
	}
}
