package workflow

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
)

// TestRecentFinished: the requests that ended, the most recently updated first and no more
// than asked for; the live ones are not among them.
func TestRecentFinished(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Unix())
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(cfg *Config) {
		cfg.Now = func() time.Time { return time.Unix(clock.Add(60), 0) }
	})
	var ended []string
	for i := range 4 {
		r := e.stage(alice, e.click(fmt.Sprintf("com.example.f%d", i), "1.0", "all"))
		if i == 3 {
			break // still pending
		}
		if _, err := e.svc.Cancel(alice, r.ShortID(), "not needed"); err != nil {
			t.Fatal(err)
		}
		ended = append(ended, r.ID)
	}
	slices.Reverse(ended)
	for _, limit := range []int{0, 2, 3, 10} {
		got, err := e.svc.RecentFinished(limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if want := ended[:min(limit, len(ended))]; !slices.Equal(ids, want) {
			t.Errorf("RecentFinished(%d) = %q, want %q", limit, ids, want)
		}
	}
}
