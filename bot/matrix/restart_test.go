package matrix_test

import (
	"regexp"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// TestRestartNeitherMissesNorRepeats: what is said while the bot is down (sil2100's 👍, a
// `!status`) is acted on once it is back, once; what it had handled before it stopped (the
// `!stage`, its request message) is not handled or announced again.
func TestRestartNeitherMissesNorRepeats(t *testing.T) {
	w := newWorld(t)
	mark := w.sil.Mark()
	b := w.start(bottest.Options{})
	url, file := w.click("restart", "1.0")
	r := w.stage(w.alice, w.room, url, file)
	status := w.alice.Say(w.room, "!status "+r.id)
	w.answerTo(w.alice, w.room, status)
	b.Stop()

	w.sil.React(w.room, r.head.EventID, "👍")
	missed := w.alice.Say(w.room, "!status "+r.id)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Dir: b.Dir, Team: w.team(), Extra: w.config()})
	w.announcement(r, "locked")
	w.answerTo(w.alice, w.room, missed)
	last := w.alice.Say(w.room, "!queue")
	w.answerTo(w.alice, w.room, last)

	count := map[string]int{}
	for _, e := range w.sil.Timeline(w.room, mark) {
		if e.Sender != w.botID || e.Type != "m.room.message" || e.RelatesTo().Type == "m.replace" {
			continue
		}
		for what, re := range map[string]*regexp.Regexp{
			"request message": regexp.MustCompile(`^\[` + r.id + `\] \S+ requested`),
			"approved":        regexp.MustCompile(`^\[` + r.id + `\] \S+ approved`),
			"locked":          regexp.MustCompile(`^\[` + r.id + `\] \S+ locked`),
		} {
			if re.MatchString(e.Body()) {
				count[what]++
			}
		}
		switch e.RelatesTo().InReplyTo {
		case status:
			count["answer before the restart"]++
		case missed:
			count["answer to what was said while down"]++
		}
	}
	for _, what := range []string{"request message", "approved", "locked", "answer before the restart", "answer to what was said while down"} {
		if count[what] != 1 {
			t.Errorf("%s: %d, want 1", what, count[what])
		}
	}
	if t.Failed() {
		for _, e := range w.sil.Timeline(w.room, mark) {
			t.Log(dendritetest.Event.String(e))
		}
	}
}
