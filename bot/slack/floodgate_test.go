package slack_test

import (
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// statusAnswers are the bot's answers to a bare !status after the first n ephemerals: each
// shown to its asker alone, the slow-downs aside.
func statusAnswers(v fakeslack.View, n int) []string {
	var out []string
	for _, e := range v.Ephemerals()[n:] {
		if !strings.Contains(e.Text, "slow down") {
			out = append(out, e.Text)
		}
	}
	return out
}

func slowDowns(v fakeslack.View, user string) int {
	n := 0
	for _, e := range v.Ephemerals() {
		if e.User == user && strings.Contains(e.Text, "slow down") {
			n++
		}
	}
	return n
}

// TestSlackCommandLimit: a flood of 20 !status from one person gets 5 answers and one
// "slow down" to that person alone; another person asking in the same second is answered.
func TestSlackCommandLimit(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true, Extra: "limits: {commands: 5/10s}\n"})
	var n int
	b.fs.Read(func(v fakeslack.View) { n = len(v.Ephemerals()) })
	for range 20 {
		b.fs.Say(channel, alice, "!status")
	}
	// ken's asks about a package, so his answer is told apart from alice's.
	b.fs.Say(channel, ken, "!status com.example.kens")
	b.fs.Await(bottest.Wait, "6 answers and a slow-down", func(v fakeslack.View) bool {
		return len(statusAnswers(v, n)) >= 6 && slowDowns(v, alice) >= 1
	})
	// Whatever else the flood could cause would come within this.
	time.Sleep(time.Second)
	b.fs.Read(func(v fakeslack.View) {
		got := statusAnswers(v, n)
		kens := 0
		for _, a := range got {
			if strings.Contains(a, "com.example.kens") {
				kens++
			}
		}
		if len(got) != 6 || kens != 1 {
			t.Errorf("%d answers (%d to ken), want 5 for alice and 1 for ken:\n%s", len(got), kens, strings.Join(got, "\n"))
		}
		if got := slowDowns(v, alice); got != 1 {
			t.Errorf("%d slow-down ephemerals to alice, want 1", got)
		}
		if got := slowDowns(v, ken); got != 0 {
			t.Errorf("%d slow-down ephemerals to ken, want 0", got)
		}
	})
}

// TestSlackCommandLimitOff: limits.commands: 0 answers every command.
func TestSlackCommandLimitOff(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true, Extra: "limits: {commands: 0}\n"})
	var n int
	b.fs.Read(func(v fakeslack.View) { n = len(v.Ephemerals()) })
	for range 20 {
		b.fs.Say(channel, alice, "!status")
	}
	b.fs.Await(bottest.Wait, "20 answers", func(v fakeslack.View) bool { return len(statusAnswers(v, n)) >= 20 })
	b.fs.Read(func(v fakeslack.View) {
		if got := slowDowns(v, alice); got != 0 {
			t.Errorf("%d slow-down ephemerals with the limit off", got)
		}
	})
}
