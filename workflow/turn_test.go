package workflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
	"stagebot/intake"
)

func ircPerson(mask, account string) stagebot.Identity {
	nick, _, _ := strings.Cut(mask, "!")
	return stagebot.Identity{Network: stagebot.NetworkIRC, ID: mask, Account: account, Name: nick}
}

// TestDownloadTurnIsThePersons: while one !stage's download is held, a second one waits
// its turn exactly when it is the same person's: under another nick, or another host
// logged in to the same account, or the same member on Slack. Someone holding the first
// asker's nick is someone else, and downloads at once.
func TestDownloadTurnIsThePersons(t *testing.T) {
	team := stagebot.Team{
		Landing: []stagebot.Member{{Name: "sil", IRC: "account:sil", Slack: "U0SIL"}},
		Landers: []stagebot.Member{{Name: "*"}},
	}
	cases := []struct {
		name          string
		first, second stagebot.Identity
		waits         bool
	}{
		{"same user@host, other nick", ircPerson("bob!~b@h.example", ""), ircPerson("bob_!~b@h.example", ""), true},
		{"same account, other nick and host", ircPerson("eve!~e@a.example", "eve"), ircPerson("eve2!~x@b.example", "Eve"), true},
		{"member on IRC, then on Slack", ircPerson("sil!~s@h.example", "sil"), stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0SIL"}, true},
		{"stranger on the first asker's nick", ircPerson("bob!~b@h.example", ""), ircPerson("bob!~m@elsewhere.example", ""), false},
		{"stranger on a member's nick", ircPerson("sil!~s@h.example", "sil"), ircPerson("sil!~m@elsewhere.example", ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			started := make(chan string, 4)
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				started <- r.URL.Path
				select {
				case <-release:
				case <-r.Context().Done():
				}
				http.NotFound(w, r)
			}))
			t.Cleanup(srv.Close)
			var once sync.Once
			releaseAll := func() { once.Do(func() { close(release) }) }
			t.Cleanup(releaseAll)
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(cfg *Config) {
				cfg.Team = team
				cfg.Intake.BaseURL = srv.URL + "/"
				cfg.Intake.MaxConcurrent = 3
			})

			var wg sync.WaitGroup
			stage := func(who stagebot.Identity, file string, queued func(int)) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// The held downloads end not found: only the turns matter here.
					e.svc.Stage(context.Background(), who, intake.Source{Kind: intake.FromName, Value: file, Queued: queued})
				}()
			}
			stage(c.first, "com.example.first_1.0_all.click", nil)
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the first download did not start")
			}
			queued := make(chan int, 1)
			stage(c.second, "com.example.second_1.0_all.click", func(ahead int) { queued <- ahead })
			select {
			case ahead := <-queued:
				if !c.waits {
					t.Fatalf("the second !stage waits behind %d download(s); it is another person's", ahead)
				}
			case path := <-started:
				if c.waits {
					t.Fatalf("the second download (%s) started beside the same person's first", path)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the second !stage neither started nor was queued")
			}
			releaseAll()
			wg.Wait()
		})
	}
}
