//go:build linux

package console

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"stagebot/bot"
	"stagebot/internal/testenv"
)

// TestTerminalIsToldHowToSpeak: a person at a terminal is told first how to speak to the
// bot, with the configured prefix, and Ctrl-D ends the console as the greeting says; a
// script (a pipe, a file, /dev/null) reads no such line.
func TestTerminalIsToldHowToSpeak(t *testing.T) {
	for _, c := range []struct {
		name string
		// in is the console's input, which ends once the test has typed (or closed) it.
		in    func(t *testing.T) io.Reader
		greet bool
	}{
		{"terminal", func(t *testing.T) io.Reader {
			ptm, tty := testenv.Terminal(t)
			if _, err := ptm.Write([]byte{4}); err != nil { // Ctrl-D
				t.Fatal(err)
			}
			return tty
		}, true},
		{"pipe", func(t *testing.T) io.Reader {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
			t.Cleanup(func() { r.Close() })
			return r
		}, false},
		{"/dev/null", func(t *testing.T) io.Reader {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}, false},
		{"reader", func(t *testing.T) io.Reader { return strings.NewReader("") }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			a, err := New(Config{In: c.in(t), Out: &out, Nick: "stagebot", Prefix: "."})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- a.Run(t.Context(), inboxFunc(func(bot.Inbound) {})) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(testenv.Wait):
				t.Fatalf("the console did not end at the end of its input")
			}
			got := out.String()
			if !c.greet {
				if got != "" {
					t.Fatalf("a script was told %q", got)
				}
				return
			}
			for _, want := range []string{"NAME> text", "alice> .stage", ".help", "Ctrl-D"} {
				if !strings.Contains(got, want) {
					t.Errorf("the greeting lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "!") {
				t.Errorf("the greeting names a command with another prefix than the configured '.':\n%s", got)
			}
		})
	}
}
