package workflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
	"stagebot/intake"
)

// trickler serves clicks slowly and records how many downloads ran at once, in all and
// per person (the first path segment names the person).
type trickler struct {
	dir      string
	mu       sync.Mutex
	active   int
	per      map[string]int
	maxAll   int
	maxOne   map[string]int
	requests int
}

func (s *trickler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	who, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	s.requests++
	s.active++
	s.per[who]++
	s.maxAll = max(s.maxAll, s.active)
	s.maxOne[who] = max(s.maxOne[who], s.per[who])
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.per[who]--
		s.mu.Unlock()
	}()
	b, err := os.ReadFile(filepath.Join(s.dir, file))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	// A slow upload queue: the bytes come in pieces, so downloads overlap in time.
	const pieces = 25
	for i := range pieces {
		w.Write(b[i*len(b)/pieces : (i+1)*len(b)/pieces])
		w.(http.Flusher).Flush()
		time.Sleep(2 * time.Millisecond)
	}
}

// Issue 12: at most downloads.max_concurrent downloads at once and one at a time per
// person; a !stage beyond either waits its turn (never refused for it) and hears that it
// is queued.
func TestDownloadsTakeTurns(t *testing.T) {
	cases := []struct {
		name    string
		max     int
		persons map[stagebot.Identity]int // downloads each asks for at once
	}{
		{"two at once, three persons", 2, map[stagebot.Identity]int{alice: 3, bob: 2, carol: 1}},
		{"one at once", 1, map[stagebot.Identity]int{alice: 2, bob: 2}},
		{"one person alone", 3, map[stagebot.Identity]int{alice: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			team := testTeam
			team.Landers = append(team.Landers, stagebot.Member{Name: "carol"})
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(cfg *Config) {
				cfg.Team = team
				cfg.Intake.MaxConcurrent = c.max
				cfg.Intake.AllowedHosts = []string{"127.0.0.1"} // the test server's host
			})
			srv := &trickler{dir: e.clicks, per: map[string]int{}, maxOne: map[string]int{}}
			hs := httptest.NewServer(srv)
			t.Cleanup(hs.Close)

			var wg sync.WaitGroup
			var mu sync.Mutex
			var queued []int
			errs := make(chan error, 16)
			type ask struct {
				who stagebot.Identity
				src intake.Source
			}
			var asks []ask
			for who, count := range c.persons {
				for i := range count {
					path := e.click("com.example."+who.ID+string(rune('a'+i)), "1.0", "all")
					asks = append(asks, ask{who, intake.Source{Kind: intake.FromURL, Value: hs.URL + "/" + who.ID + "/" + filepath.Base(path),
						Queued: func(ahead int) {
							mu.Lock()
							queued = append(queued, ahead)
							mu.Unlock()
						}}})
				}
			}
			n := len(asks)
			start := make(chan struct{})
			for _, a := range asks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := e.svc.Stage(context.Background(), a.who, a.src)
					errs <- err
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("a !stage was refused: %v", err)
				}
			}
			if srv.requests != n {
				t.Fatalf("%d downloads, want %d", srv.requests, n)
			}
			if srv.maxAll > c.max {
				t.Fatalf("%d downloads ran at once, max_concurrent is %d", srv.maxAll, c.max)
			}
			for who, m := range srv.maxOne {
				if m > 1 {
					t.Fatalf("%s had %d downloads at once", who, m)
				}
			}
			// Everyone beyond the first of each person waited and was told so.
			waiters := 0
			for _, count := range c.persons {
				waiters += count - 1
			}
			if len(queued) < waiters {
				t.Fatalf("%d told they are queued, want at least %d", len(queued), waiters)
			}
			for _, a := range queued {
				if a < 1 {
					t.Fatalf("queued behind %d downloads", a)
				}
			}
		})
	}
}
