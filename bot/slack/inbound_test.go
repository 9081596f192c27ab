package slack

import (
	"strings"
	"testing"

	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// TestAnswersGoToTheAsker: what reaches the core from each way of speaking to the bot, and
// where its answers go.
func TestAnswersGoToTheAsker(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	for _, c := range []struct {
		name     string
		say      func(t *testing.T) (root string)
		text     string
		direct   bool
		here     bool
		reply    string // "ephemeral", "post" or "response"
		private  string
		inThread bool
	}{
		{"top level", func(t *testing.T) string { fs.Say(stageChannel, userAlice, "!status"); return "" }, "!status", false, true, "ephemeral", "ephemeral", false},
		{"thread", func(t *testing.T) string {
			root := fs.Say(stageChannel, userKen, "hm")
			a.rec.message(t)
			fs.SayInThread(stageChannel, root, userAlice, "!queue")
			return root
		}, "!queue", false, true, "post", "ephemeral", true},
		{"DM without the prefix", func(t *testing.T) string { fs.SayDM(userAlice, "status"); return "" }, "status", true, false, "post", "post", false},
		{"mention", func(t *testing.T) string {
			fs.Say(stageChannel, userAlice, "<@"+fakeslack.BotUser+"> status 1a2b")
			return ""
		},
			"<@" + fakeslack.BotUser + ">: status 1a2b", false, true, "ephemeral", "ephemeral", false},
		{"slash", func(t *testing.T) string { fs.Slash(stageChannel, userAlice, "/stagebot", "status 1a2b"); return "" }, "!status 1a2b", false, false, "response", "response", false},
		{"bare slash", func(t *testing.T) string { fs.Slash(stageChannel, userAlice, "/stagebot", ""); return "" }, "!help", false, false, "response", "response", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs.Say("COUTSIDE", userAlice, "!status") // not a configured channel: never reaches the core
			root := c.say(t)
			wantThread := ""
			if c.inThread {
				wantThread = root
			}
			m := a.rec.message(t)
			if m.Text != c.text || m.Direct != c.direct || m.AnnouncedHere != c.here || m.Author.ID != userAlice ||
				m.Author.Name != "alice" || m.BotNick != "<@"+fakeslack.BotUser+">" {
				t.Fatalf("inbound %+v, want text %q, direct %v, announced here %v, by alice", m, c.text, c.direct, c.here)
			}
			for _, answer := range []struct {
				fn         func(string) error
				name, kind string
			}{{func(s string) error { return m.Reply(reply(s)) }, "reply", c.reply}, {func(s string) error { return m.Private(reply(s)) }, "private", c.private}} {
				said := answer.name + " to " + c.name
				if err := answer.fn(said); err != nil {
					t.Fatal(err)
				}
				fs.Await(testenv.Wait, said, func(v fakeslack.View) bool {
					switch answer.kind {
					case "ephemeral":
						for _, e := range v.Ephemerals() {
							if e.Text == said {
								return e.User == userAlice && e.Channel == stageChannel && e.ThreadTS == wantThread
							}
						}
					case "post":
						for _, p := range v.Posts() {
							if p.Text == said {
								return p.ThreadTS == wantThread && (p.Channel == fakeslack.DM(userAlice)) == c.direct
							}
						}
					case "response":
						for _, r := range v.Responses() {
							if r.Text == said {
								return r.User == userAlice && r.ResponseType == "ephemeral"
							}
						}
					}
					return false
				})
			}
		})
	}
	select {
	case m := <-a.rec.msgs:
		if strings.Contains(m.Text, "status") {
			t.Errorf("more reached the core: %+v", m)
		}
	default:
	}
}
