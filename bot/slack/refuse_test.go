package slack_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// quiet is a second channel of the bot, the one that refuses.
const quiet = "CQUIET"

// heads are the request messages (top-level, with buttons) in ch, their texts in order.
func heads(v fakeslack.View, ch string) []string {
	var out []string
	for _, p := range v.Posts() {
		if p.Channel == ch && p.ThreadTS == "" && strings.Contains(p.Blocks, "stagebot_approve") {
			out = append(out, p.Text)
		}
	}
	return out
}

// TestRefusingChannelHoldsOnlyItself: chat.postMessage answers not_in_channel, is_archived
// or channel_not_found for one channel; the other gets every request promptly; once the
// channel accepts, it gets its backlog in order, each request once.
func TestRefusingChannelHoldsOnlyItself(t *testing.T) {
	for _, code := range []string{"not_in_channel", "is_archived", "channel_not_found"} {
		t.Run(code, func(t *testing.T) {
			fs := newSlack(t)
			b := startSlackBotOn(t, fs, bottest.Options{Approvals: 1, NoConsole: true,
				Extra: onSlack{fs: fs, channels: []string{channel, quiet}}.yaml()})
			b.fs.Refuse(quiet, code)
			stage := func(i int) string {
				t.Helper()
				id := fmt.Sprintf("F%d", i)
				file := b.upload(id, fmt.Sprintf("com.example.n%d", i), "1.0")
				b.fs.SayWithFiles(channel, alice, "!stage", id)
				re := regexp.MustCompile(regexp.QuoteMeta(file) + ` requested`)
				// Far less than a retry backoff: a request held behind the refusing
				// channel shows.
				b.fs.Await(5*time.Second, file+" requested in "+channel, func(v fakeslack.View) bool {
					for _, h := range heads(v, channel) {
						if re.MatchString(h) {
							return true
						}
					}
					return false
				})
				return file
			}
			var files []string
			for i := range 3 {
				files = append(files, stage(i))
			}
			// Tried again meanwhile, and still nothing there.
			b.fs.Await(bottest.Wait, "a retry in "+quiet, func(v fakeslack.View) bool { return v.Refusals(quiet) >= 2 })
			b.fs.Read(func(v fakeslack.View) {
				if got := heads(v, quiet); len(got) != 0 {
					t.Fatalf("%s took requests while refusing: %q", quiet, got)
				}
			})
			b.fs.Refuse(quiet, "")
			b.fs.Await(45*time.Second, "the backlog in "+quiet, func(v fakeslack.View) bool { return len(heads(v, quiet)) >= 3 })
			files = append(files, stage(3))
			b.fs.Await(bottest.Wait, "the last request in "+quiet, func(v fakeslack.View) bool { return len(heads(v, quiet)) >= 4 })
			b.fs.Read(func(v fakeslack.View) {
				for _, ch := range []string{channel, quiet} {
					got := heads(v, ch)
					if len(got) != len(files) {
						t.Errorf("%s has %d request messages, want %d: %q", ch, len(got), len(files), got)
						continue
					}
					for i, f := range files {
						if !strings.Contains(got[i], f+" requested") {
							t.Errorf("%s request %d is %q, want %s", ch, i, got[i], f)
						}
					}
				}
			})
		})
	}
}
