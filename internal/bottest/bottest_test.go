package bottest

import (
	"fmt"
	"strings"
	"testing"

	"stagebot/config"
)

// TestLinesKeepsEveryLine: a writer far ahead of the test loses nothing (the IRC harness
// this replaced dropped lines once its 1000-line channel was full), lines split across
// writes come out whole, and next moves on from the line it matched.
func TestLinesKeepsEveryLine(t *testing.T) {
	l := newLines()
	const n = 5000
	for i := range n {
		// Half a line per write, so every line spans two.
		fmt.Fprintf(l, "line %d", i)
		fmt.Fprint(l, " end\n")
	}
	for _, want := range []string{"line 0 end", "line 999 end", "line 1000 end", fmt.Sprintf("line %d end", n-1)} {
		got, ok := l.next(func(s string) bool { return s == want })
		if !ok || got != want {
			t.Fatalf("next(%q) = %q, %v", want, got, ok)
		}
	}
	if got := l.count(func(s string) bool { return strings.HasSuffix(s, " end") }); got != n {
		t.Fatalf("count = %d, want %d", got, n)
	}
	// The cursor is past the last line now; an earlier one is not found again by next, but
	// nth counts from the first.
	if got, ok := l.nth(2, func(s string) bool { return strings.HasPrefix(s, "line 1") }); !ok || got != "line 10 end" {
		t.Fatalf("nth(2) = %q, %v", got, ok)
	}
}

// TestLinesWakesAWaiter: a line written while a test waits reaches it.
func TestLinesWakesAWaiter(t *testing.T) {
	l := newLines()
	got := make(chan string)
	go func() {
		s, _ := l.next(func(s string) bool { return s == "late" })
		got <- s
	}()
	fmt.Fprintln(l, "early")
	fmt.Fprintln(l, "late")
	if s := <-got; s != "late" {
		t.Fatalf("next = %q", s)
	}
}

func TestLogAwaitAndCount(t *testing.T) {
	log := NewLog(t)
	go func() {
		for i := range 3 {
			log.Logger().Info("disconnected; reconnecting", "attempt", i, "err", "x509: unknown authority")
		}
		log.Logger().Debug("connected")
	}()
	r := log.Await(3, "reconnecting", "x509")
	if !strings.Contains(r, "attempt=2") {
		t.Fatalf("third record %q", r)
	}
	log.AwaitFunc(1, "at debug level", func(r string) bool { return strings.Contains(r, "level=DEBUG msg=connected") })
	if n := log.Count("disconnected", "x509"); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}
	if n := log.Count("x509", "attempt=7"); n != 0 {
		t.Fatalf("Count of a record never written = %d", n)
	}
}

// TestOptionsYAML: every option lands where it belongs, and the result is a valid
// configuration.
func TestOptionsYAML(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     Options
		check func(*config.Config) error
	}{
		{"zero", Options{}, func(c *config.Config) error {
			if !c.Console || c.Policy.Approvals != 1 || len(c.Team.Landing) != 1 || c.Team.Landing[0].Name != "sil2100" {
				return fmt.Errorf("console %v, approvals %d, landing %v", c.Console, c.Policy.Approvals, c.Team.Landing)
			}
			return nil
		}},
		{"no console, team and approvals", Options{NoConsole: true, Approvals: 2,
			Team:  "  landing: [{name: sil}, {name: ken}]\n  landers: [{name: \"*\"}]",
			Extra: "irc: {server: \"127.0.0.1:6667\", nick: stagebot, channels: [\"#stage\"]}\n"}, func(c *config.Config) error {
			if c.Console || c.Policy.Approvals != 2 || len(c.Team.Landing) != 2 || c.IRC == nil {
				return fmt.Errorf("console %v, approvals %d, landing %v, irc %v", c.Console, c.Policy.Approvals, c.Team.Landing, c.IRC)
			}
			return nil
		}},
		{"root directory in extra", Options{Snakefruit: "  list_file: the_list\n", Extra: "downloads: {base_url: \"http://127.0.0.1:1%[1]s/\"}\n"},
			func(c *config.Config) error {
				if c.Snakefruit.ListFile != "the_list" || c.Downloads.BaseURL != "http://127.0.0.1:1/root/" {
					return fmt.Errorf("list_file %q, base_url %q", c.Snakefruit.ListFile, c.Downloads.BaseURL)
				}
				return nil
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yml := tc.o.yaml("/root")
			cfg, err := config.Parse("test.yaml", []byte(yml), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatalf("%v\n%s", err, yml)
			}
			if cfg.StateDir != "/root/state" {
				t.Errorf("state_dir %q", cfg.StateDir)
			}
			if err := tc.check(cfg); err != nil {
				t.Errorf("%v\n%s", err, yml)
			}
		})
	}
}
