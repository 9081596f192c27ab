package slack_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// slow is the bot's second channel, the one Slack is slow for.
const slow = "CSLOW"

// headIn waits for the request message for filename in ch and returns the request ID and
// the message's ts.
func (b *slackBot) headIn(ch, filename string) (id, ts string) {
	b.t.Helper()
	re := regexp.MustCompile(`\[([0-9a-f]{8})\] ` + regexp.QuoteMeta(filename) + ` requested`)
	b.fs.Await(bottest.Wait, "the request message for "+filename+" in "+ch, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if m := re.FindStringSubmatch(p.Text); m != nil && p.Channel == ch && p.ThreadTS == "" {
				id, ts = m[1], p.TS
				return true
			}
		}
		return false
	})
	return id, ts
}

// slowRequest is a request of alice's with its request message in both channels, and one of
// sil's own for him to react on.
type slowRequest struct {
	id, head, slowHead string
	ownSlowHead        string
}

// TestSlowSlackCallHoldsOnlyItself: Slack holds one channel's posts unanswered, or rate-limits
// them, or holds the answer to something sil did there (a refusal, an answer in a thread or
// at the top level) or his App Home. Meanwhile sil approves a request in the other channel:
// its `locked` arrives there while the slow call is still waiting, and once the call goes
// through, the slow channel gets every announcement it missed, once each and in order. The
// first case, with nothing slow, is the unloaded time the others are logged against.
func TestSlowSlackCallHoldsOnlyItself(t *testing.T) {
	for _, c := range []struct {
		name string
		// slowDown makes Slack slow while sil acts (act may be nil) and returns what lifts
		// it, and a report of whether the slow call is still waiting (or refused).
		slowDown func(fs *fakeslack.Server) (lift func(), waiting func(v fakeslack.View) bool)
		act      func(b *slackBot, r slowRequest)
		// catchUp: the slow channel missed the approval and the lock, and gets them after.
		catchUp bool
	}{
		{name: "nothing slow"},
		{name: "every call about the channel held", slowDown: hold("", slow), catchUp: true},
		{name: "the channel rate-limited", slowDown: rateLimit(slow), catchUp: true},
		{name: "a refusal to a reaction held", slowDown: hold("chat.postEphemeral", slow),
			act: func(b *slackBot, r slowRequest) { b.fs.React(slow, r.ownSlowHead, sil, "+1") }},
		{name: "an answer at the top level held", slowDown: hold("chat.postEphemeral", slow),
			act: func(b *slackBot, r slowRequest) { b.fs.Say(slow, sil, "!status "+r.id) }},
		{name: "an answer in a request's thread held", slowDown: hold("chat.postMessage", slow), catchUp: true,
			act: func(b *slackBot, r slowRequest) { b.fs.SayInThread(slow, r.slowHead, sil, "!status "+r.id) }},
		{name: "the App Home held", slowDown: hold("views.publish", ""),
			act: func(b *slackBot, r slowRequest) { b.fs.OpenHome(sil, "home") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := newSlack(t)
			b := startSlackBotOn(t, fs, bottest.Options{Approvals: 1, NoConsole: true,
				Extra: onSlack{fs: fs, channels: []string{channel, slow}}.yaml()})
			var r slowRequest
			file := b.upload("F1", "com.example.wanted", "1.0")
			b.fs.SayWithFiles(channel, alice, "!stage", "F1")
			r.id, r.head = b.headIn(channel, file)
			_, r.slowHead = b.headIn(slow, file)
			own := b.upload("F2", "com.example.own", "1.0")
			b.fs.SayWithFiles(channel, sil, "!stage", "F2")
			_, r.ownSlowHead = b.headIn(slow, own)

			lift, waiting := func() {}, func(fakeslack.View) bool { return true }
			if c.slowDown != nil {
				lift, waiting = c.slowDown(b.fs)
			}
			defer lift()
			if c.act != nil {
				c.act(b, r)
				b.fs.Await(bottest.Wait, "Slack slow for what sil did", waiting)
			}
			start := time.Now()
			b.fs.Say(channel, sil, "!approve "+r.id)
			b.awaitReply(r.head, `^\[`+r.id+`\] \S+ locked`)
			took := time.Since(start)
			// Still slow now: nothing was lifted, so the other channel heard `locked` while the
			// slow call waited.
			b.fs.Await(bottest.Wait, "Slack still slow", waiting)
			b.fs.Read(func(v fakeslack.View) {
				if got := words(v, r.slowHead, r.id); c.catchUp && len(got) != 0 {
					t.Fatalf("%s heard %v while Slack held it back", slow, got)
				}
			})
			t.Logf("!approve to `locked` in %s: %s", channel, took)

			lift()
			b.awaitReply(r.slowHead, `^\[`+r.id+`\] \S+ locked`)
			b.fs.Read(func(v fakeslack.View) {
				for _, ch := range []struct{ name, head string }{{channel, r.head}, {slow, r.slowHead}} {
					if got, want := words(v, ch.head, r.id), []string{"approved", "locked"}; !slices.Equal(got, want) {
						t.Errorf("%s thread words = %v, want %v\n%s", ch.name, got, want, b.fs.Dump())
					}
				}
			})
		})
	}
}

// hold holds every call to method about channel ("" any) until lifted.
func hold(method, channel string) func(fs *fakeslack.Server) (func(), func(fakeslack.View) bool) {
	return func(fs *fakeslack.Server) (func(), func(fakeslack.View) bool) {
		return fs.Hold(method, channel), func(v fakeslack.View) bool { return v.Held(method, channel) > 0 }
	}
}

// rateLimit answers 429 to every write to channel until lifted.
func rateLimit(channel string) func(fs *fakeslack.Server) (func(), func(fakeslack.View) bool) {
	return func(fs *fakeslack.Server) (func(), func(fakeslack.View) bool) {
		lifted := false
		lift := fs.RateLimit(channel)
		return func() { lifted = true; lift() }, func(v fakeslack.View) bool { return !lifted && v.RateLimited(channel) > 0 }
	}
}

// TestReactionWaitsForItsOwnChannel: Slack takes the request message in the slow channel but
// holds its answer, so the bot cannot know yet which request the message is about. sil's
// reaction on it waits for that post alone: the other channel meanwhile gets the next
// request message, and once the answer comes the reaction counts (approved, then locked)
// instead of being told the message is about no request.
func TestReactionWaitsForItsOwnChannel(t *testing.T) {
	fs := newSlack(t)
	b := startSlackBotOn(t, fs, bottest.Options{Approvals: 1, NoConsole: true,
		Extra: onSlack{fs: fs, channels: []string{channel, slow}}.yaml()})
	release := b.fs.HoldAnswers("chat.postMessage", slow)
	defer release()
	file := b.upload("F1", "com.example.raced", "1.0")
	b.fs.SayWithFiles(channel, alice, "!stage", "F1")
	id, head := b.headIn(channel, file)
	_, slowHead := b.headIn(slow, file)
	b.fs.Await(bottest.Wait, "the answer to the post in "+slow+" held", func(v fakeslack.View) bool {
		return v.Held("chat.postMessage", slow) == 1
	})
	b.fs.React(slow, slowHead, sil, "+1")

	next := b.upload("F2", "com.example.next", "1.0")
	b.fs.SayWithFiles(channel, alice, "!stage", "F2")
	b.headIn(channel, next)
	b.fs.Read(func(v fakeslack.View) {
		if v.Held("chat.postMessage", slow) != 1 {
			t.Fatalf("the answer in %s was let go early", slow)
		}
	})

	release()
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	b.awaitReply(slowHead, `^\[`+id+`\] \S+ locked`)
	b.fs.Read(func(v fakeslack.View) {
		for _, e := range v.Ephemerals() {
			if e.User == sil {
				t.Errorf("sil was told %q, want his reaction to count", e.Text)
			}
		}
		if got, want := words(v, head, id), []string{"approved", "locked"}; !slices.Equal(got, want) {
			t.Errorf("thread words = %v, want %v", got, want)
		}
	})
}
