package slack

import (
	"context"
	"testing"

	"stagebot/bot"
	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// scene is a channel with the bot's messages of every kind a reaction may land on.
type scene struct {
	head, reply, answer     string // request id1's message, an announcement and an answer in its thread
	personRoot, head2       string // alice's thread where id2's `!stage` was typed, and id2's message there
	answer2, answerSeveral  string // answers in that thread, and in a thread holding two requests' messages
	tick                    string // a notice about no request
	aliceOwn                string // a person's message
	answerOutside, outsider string // an answer in a thread of no request, under alice's chatter
}

// setScene has a post every kind of message, answering through the Inbound's Reply as the
// core would.
func setScene(t *testing.T, fs *fakeslack.Server, a *running) scene {
	t.Helper()
	var s scene
	answerIn := func(root string) string {
		t.Helper()
		fs.SayInThread(stageChannel, root, userKen, "!status")
		m := a.rec.message(t)
		if err := m.Reply(reply("status of " + root)); err != nil {
			t.Fatal(err)
		}
		return posted(t, fs, "the answer in "+root, hasText("status of "+root)).TS
	}
	stageIn := func(root string) {
		t.Helper()
		fs.SayInThread(stageChannel, root, userAlice, "!stage")
		m := a.rec.message(t)
		if _, err := m.Attach(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r1 := aRequest(id1, "com.example.one", "x")
	s.head = a.send(t, stageChannel, announce(r1, requested, ""))
	s.reply = a.send(t, stageChannel, announce(r1, reminder, s.head))
	s.answer = answerIn(s.head)

	s.personRoot = fs.Say(stageChannel, userAlice, "please stage this")
	a.rec.message(t)
	stageIn(s.personRoot)
	s.head2 = a.send(t, stageChannel, announce(aRequest(id2, "com.example.two", "y"), requested, ""))
	s.answer2 = answerIn(s.personRoot)

	several := fs.Say(stageChannel, userAlice, "two at once")
	a.rec.message(t)
	stageIn(several)
	a.send(t, stageChannel, announce(aRequest(id3, "com.example.three", "z"), requested, ""))
	stageIn(several)
	a.send(t, stageChannel, announce(aRequest("4d5e6f7a-0000-4000-8000-000000000004", "com.example.four", "w"), requested, ""))
	s.answerSeveral = answerIn(several)

	s.tick = a.send(t, stageChannel, tick)
	s.aliceOwn = fs.Say(stageChannel, userAlice, "lunch?")
	a.rec.message(t)
	s.outsider = s.aliceOwn
	s.answerOutside = answerIn(s.aliceOwn)
	return s
}

// TestReactionFindsItsRequest: a reaction on any of the bot's messages about a request (its
// request message, a reply in its thread, an answer there, in a person's thread where the
// request message was posted too) reaches the core as a decision on that request, and one
// on a message about none (a notice, an answer elsewhere, a thread with two requests) with
// only its ts, for the core to look up. It holds for a new adapter, knowing nothing but what
// Slack keeps, as for the one that posted them. A reaction on a person's message, or with
// another emoji, reaches nothing.
func TestReactionFindsItsRequest(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	s := setScene(t, fs, a)
	cases := []struct {
		name, ts, want string
	}{
		{"request message", s.head, id1},
		{"reminder in its thread", s.reply, id1},
		{"answer in its thread", s.answer, id1},
		{"request message in a person's thread", s.head2, id2},
		{"answer in that person's thread", s.answer2, id2},
		{"answer in a thread of two requests", s.answerSeveral, ""},
		{"notice", s.tick, ""},
		{"answer in a thread of no request", s.answerOutside, ""},
	}
	for _, adapter := range []string{"the adapter that posted them", "a new adapter"} {
		if adapter == "a new adapter" {
			a = a.restart(t, fs)
		}
		t.Run(adapter, func(t *testing.T) {
			for _, c := range cases {
				fs.React(stageChannel, s.aliceOwn, userSil, "+1")
				fs.React(stageChannel, s.tick, userSil, "tada")
				fs.React(stageChannel, c.ts, userSil, "+1")
				d := a.rec.decision(t)
				if d.Ref != c.ts || d.RequestID != c.want || d.Verb != bot.VerbApprove || d.Author.ID != userSil {
					t.Errorf("%s: decision %+v, want ref %s, request %q, approve by %s", c.name, d, c.ts, c.want, userSil)
				}
			}
			fs.Unreact(stageChannel, s.answer2, userSil, "+1")
			if d := a.rec.decision(t); d.Verb != bot.VerbWithdraw || d.RequestID != id2 {
				t.Errorf("an approval reaction removed: %+v, want a withdrawal of %s", d, id2)
			}
		})
	}
}

// TestButtonsCarryTheirRequest: the buttons on a request message and on a reminder decide
// on the request their value names; the outcome told in public goes to the request's
// thread (the person's, for a request message posted there), and a refusal to the person
// alone.
func TestButtonsCarryTheirRequest(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	s := setScene(t, fs, a)
	for _, c := range []struct {
		name, ts, action, root, want string
		verb                         bot.Verb
	}{
		{"approve on the request message", s.head, actionApprove, s.head, id1, bot.VerbApprove},
		{"reject on a reminder", s.reply, actionReject, s.head, id1, bot.VerbReject},
		{"approve in a person's thread", s.head2, actionApprove, s.personRoot, id2, bot.VerbApprove},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !fs.Click(stageChannel, c.ts, userKen, c.action) {
				t.Fatalf("no %s button", c.action)
			}
			d := a.rec.decision(t)
			if d.RequestID != c.want || d.Verb != c.verb || d.Author.ID != userKen {
				t.Fatalf("decision %+v, want %s of %s by %s", d, c.verb, c.want, userKen)
			}
			said := "public " + c.name
			if err := d.Public(reply(said)); err != nil {
				t.Fatal(err)
			}
			if got := posted(t, fs, "the public outcome", hasText(said)); got.ThreadTS != c.root {
				t.Errorf("public outcome in thread %q, want %s", got.ThreadTS, c.root)
			}
			if err := d.Private(reply("private " + c.name)); err != nil {
				t.Fatal(err)
			}
			fs.Await(testenv.Wait, "the private note", func(v fakeslack.View) bool {
				for _, e := range v.Ephemerals() {
					if e.User == userKen && e.Text == "private "+c.name {
						return true
					}
				}
				return false
			})
		})
	}
}

// TestReactionWaitsForItsPost: a reaction on a message Slack took but has not yet answered
// for waits for that post, then finds its request from what the post recorded, asking
// Slack nothing.
func TestReactionWaitsForItsPost(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	release := fs.HoldAnswers("chat.postMessage", stageChannel)
	defer release()
	sent := make(chan error, 1)
	go func() {
		_, err := a.Send(context.Background(), stageChannel, announce(aRequest(id1, "com.example.raced", "x"), requested, ""))
		sent <- err
	}()
	head := posted(t, fs, "the request message", hasText("com.example.raced")).TS
	fs.React(stageChannel, head, userSil, "+1")
	fs.Await(testenv.Wait, "the reaction delivered", func(v fakeslack.View) bool { return v.Unacked() == 0 })
	select {
	case d := <-a.rec.decisions:
		t.Fatalf("decision %+v before the post was answered", d)
	default:
	}
	release()
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if d := a.rec.decision(t); d.RequestID != id1 {
		t.Errorf("decision %+v, want on %s", d, id1)
	}
	fs.Read(func(v fakeslack.View) {
		if n := v.Calls("conversations.replies"); n != 0 {
			t.Errorf("%d conversations.replies calls, want none: the post recorded its request", n)
		}
	})
}
