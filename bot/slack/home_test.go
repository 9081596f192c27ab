package slack_test

import (
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackAppHome: opening the app's Home tab publishes a view (views.publish) with the
// viewer's own requests, in flight or ended lately, and every request in flight, each with
// its state; opening the Messages tab publishes nothing.
func TestSlackAppHome(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	mine, kens, dropped := b.upload("F1", "com.example.mine", "1.0"), b.upload("F2", "com.example.kens", "1.0"),
		b.upload("F3", "com.example.dropped", "1.0")
	mineID, _ := b.stage(alice, "F1", mine)
	kensID, kensHead := b.stage(ken, "F2", kens)
	b.fs.React(channel, kensHead, sil, "+1")
	b.awaitReply(kensHead, `^\[`+kensID+`\] \S+ locked`)
	droppedID, droppedHead := b.stage(alice, "F3", dropped)
	b.fs.Say(channel, alice, "!cancel "+droppedID)
	b.awaitReply(droppedHead, `^\[`+droppedID+`\] \S+ cancelled`)

	b.fs.OpenHome(alice, "messages")
	b.fs.OpenHome(alice, "home")
	b.fs.OpenHome(ken, "home")
	b.fs.Await(bottest.Wait, "both homes published", func(v fakeslack.View) bool {
		_, a := v.Home(alice)
		_, k := v.Home(ken)
		return a && k
	})
	b.fs.Read(func(v fakeslack.View) {
		if h, _ := v.Home(alice); h.Published != 1 {
			t.Errorf("alice's home published %d times, want once (the Messages tab draws nothing)", h.Published)
		}
		for _, c := range []struct {
			user      string
			own, open []string // "ID state" each section must show
			notOwn    []string // IDs that are not the viewer's
		}{
			{alice, []string{mineID + " pending", droppedID + " cancelled"}, []string{mineID + " pending", kensID + " locked"}, []string{kensID}},
			{ken, []string{kensID + " locked"}, []string{mineID + " pending", kensID + " locked"}, []string{mineID, droppedID}},
		} {
			text := v.HomeText(c.user)
			own, open, ok := strings.Cut(text, "*In flight")
			if !ok || !strings.Contains(own, "*Your requests*") {
				t.Errorf("%s's home lacks its two parts:\n%s", c.user, text)
				continue
			}
			for _, want := range c.own {
				if !shows(own, want) {
					t.Errorf("%s's own requests do not show %s:\n%s", c.user, want, own)
				}
			}
			for _, want := range c.open {
				if !shows(open, want) {
					t.Errorf("%s's home does not show %s in flight:\n%s", c.user, want, open)
				}
			}
			for _, id := range c.notOwn {
				if strings.Contains(own, id) {
					t.Errorf("%s's own requests show %s:\n%s", c.user, id, own)
				}
			}
			if strings.Contains(open, droppedID) {
				t.Errorf("%s's home shows the cancelled request in flight:\n%s", c.user, open)
			}
		}
	})
}

// shows reports whether text has a status line for "ID state".
func shows(text, idState string) bool {
	id, state, _ := strings.Cut(idState, " ")
	return regexp.MustCompile(`(^|\n)` + id + ` \S+\.click ` + state + ` `).MatchString(text)
}
