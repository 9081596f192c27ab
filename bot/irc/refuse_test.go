package irc_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// prompt is how long a line may take to reach a channel that accepts it while another
// channel refuses: far less than any retry backoff, so a line held behind the refusing
// channel shows.
const prompt = 5 * time.Second

// catchUp bounds a refusing channel's catch-up once it accepts: the core's backoff tops at
// 30 s.
const catchUp = 45 * time.Second

// botLine matches the bot's line in ch containing text.
func botLine(ch, text string) func(*irc.Message) bool {
	return func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") &&
			strings.EqualFold(m.Param(0), ch) && strings.Contains(m.Trailing(), text)
	}
}

// refusal is a bot in #stage and a second channel that op controls, with clicks to stage.
type refusal struct {
	t      *testing.T
	b      *bottest.Bot
	op     *ircdtest.Client // in the second channel, its operator
	watch  *ircdtest.Client // in #stage
	second string
	clicks string
}

// startRefusal makes op the operator of second and runs before (modes set before the bot
// comes) before starting a bot configured for #stage and second.
func startRefusal(t *testing.T, second string, before func(op *ircdtest.Client)) *refusal {
	t.Helper()
	srv := ircdtest.Start(t, ircdtest.Options{})
	op := ircdtest.Dial(t, srv.Addr, "op")
	op.Join(second) // the first in a channel is its operator
	before(op)
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	b := bottest.StartWith(t, bottest.Options{Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, channels: []string{channel, second}, baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, watch, bottest.Wait)
	return &refusal{t: t, b: b, op: op, watch: watch, second: second, clicks: t.TempDir()}
}

func (r *refusal) mode(m string) {
	r.t.Helper()
	r.op.Send("MODE %s %s", r.second, m)
	r.op.Expect(func(msg *irc.Message) bool { return msg.Command == "MODE" && strings.EqualFold(msg.Param(0), r.second) })
}

// stage stages a new click and waits for its request line in #stage, promptly.
func (r *refusal) stage(name string) string {
	r.t.Helper()
	file := buildClick(r.t, r.clicks, name, "1.0")
	r.b.Say("sil> !stage " + filepath.Join(r.clicks, file))
	if _, ok := r.watch.Await(prompt, botLine(channel, file+" requested")); !ok {
		r.t.Fatalf("%s not announced in %s within %s while %s refuses", file, channel, prompt, r.second)
	}
	return file
}

// awaitInOrder waits for files' request lines in the second channel, in this order, each
// once, then stages one more click and sees it in both channels: delivery is in order per
// channel, so any repeat would have come before it.
func (r *refusal) awaitInOrder(files []string) {
	r.t.Helper()
	for _, f := range files {
		if _, ok := r.op.Await(catchUp, botLine(r.second, f+" requested")); !ok {
			r.t.Fatalf("%s never reached %s in order; seen:\n%s", f, r.second, seenText(r.op))
		}
	}
	last := r.stage("com.example.last")
	if _, ok := r.op.Await(prompt, botLine(r.second, last+" requested")); !ok {
		r.t.Fatalf("%s not announced in %s promptly once it accepts", last, r.second)
	}
	for _, c := range []struct {
		who *ircdtest.Client
		ch  string
	}{{r.watch, channel}, {r.op, r.second}} {
		var got []string
		for _, m := range c.who.Seen() {
			if botLine(c.ch, "requested")(m) {
				got = append(got, m.Trailing())
			}
		}
		want := append(append([]string(nil), files...), last)
		if len(got) != len(want) {
			r.t.Errorf("%s got %d request lines, want %d:\n%s", c.ch, len(got), len(want), strings.Join(got, "\n"))
			continue
		}
		for i, w := range want {
			if !strings.Contains(got[i], w+" requested") {
				r.t.Errorf("%s line %d is %q, want %s", c.ch, i, got[i], w)
			}
		}
	}
}

func seenText(c *ircdtest.Client) string {
	var b strings.Builder
	for _, m := range c.Seen() {
		b.WriteString(m.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestModeratedChannelHoldsOnlyItself: while #quiet is +m (the bot not voiced, every line
// answered 404), #stage gets every new announcement promptly; after -m, #quiet gets its
// backlog in order, each line once.
func TestModeratedChannelHoldsOnlyItself(t *testing.T) {
	r := startRefusal(t, "#quiet", func(*ircdtest.Client) {})
	r.op.Expect(func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), "#quiet")
	})
	r.mode("+m")
	files := []string{r.stage("com.example.one"), r.stage("com.example.two"), r.stage("com.example.three")}
	for _, m := range r.op.Seen() {
		if botLine("#quiet", "requested")(m) {
			t.Fatalf("#quiet got a line while +m: %s", m)
		}
	}
	r.mode("-m")
	r.awaitInOrder(files)
}

// TestBannedAndKickedChannelCatchesUp: the bot banned and kicked from #quiet (its own
// rejoin refused, 474) does not hold #stage back; unbanned, it is let in at its next
// attempt and #quiet gets the backlog in order, once.
func TestBannedAndKickedChannelCatchesUp(t *testing.T) {
	r := startRefusal(t, "#quiet", func(*ircdtest.Client) {})
	r.op.Expect(func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), "#quiet")
	})
	r.mode("+b stagebot!*@*")
	r.op.Send("KICK #quiet stagebot :out")
	r.op.Expect(func(m *irc.Message) bool { return m.Command == "KICK" && strings.EqualFold(m.Param(1), "stagebot") })
	files := []string{r.stage("com.example.one"), r.stage("com.example.two")}
	r.mode("-b stagebot!*@*")
	if _, ok := r.op.Await(catchUp, func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot")
	}); !ok {
		t.Fatalf("the bot did not come back to #quiet once unbanned")
	}
	r.awaitInOrder(files)
}

// TestChannelNotJoinedCatchesUp: a channel the bot could not join at all (+i) is not
// silently skipped: once it lets the bot in, its backlog arrives in order, once.
func TestChannelNotJoinedCatchesUp(t *testing.T) {
	r := startRefusal(t, "#locked", func(op *ircdtest.Client) {
		op.Send("MODE #locked +i")
		op.Expect(func(m *irc.Message) bool { return m.Command == "MODE" && strings.EqualFold(m.Param(0), "#locked") })
	})
	files := []string{r.stage("com.example.one"), r.stage("com.example.two")}
	r.mode("-i")
	r.awaitInOrder(files)
}
