package irc

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot"
	"stagebot/bot"
	"stagebot/commands"
	"stagebot/intake"
	"stagebot/internal/clicktest"
	"stagebot/storage"
	"stagebot/workflow"
)

// The bot's own mask as InspIRCd shows it to others; the budget is computed from it as the
// session does once it knows it.
const fuzzSelfMask = "stagebot!~stagebot@127.0.0.1"

// ircFormatting are the bytes IRC clients read as colours, styles or CTCP.
const ircFormatting = "\x01\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f"

// assertIRCLines fails unless every line the adapter would send for text (a reply to nick
// in channel, or an announcement when nick is "") is free of line breaks, NUL, CTCP and
// formatting, and none starts with \x01.
func assertIRCLines(t *testing.T, what, nick, text string) {
	t.Helper()
	if nick != "" {
		text = nick + ": " + text
	}
	budget := textBudget(fuzzSelfMask, "stagebot", "PRIVMSG", "#stage")
	for _, p := range splitText(text, budget) {
		line := chatLines("PRIVMSG", "#stage", []string{p})[0]
		if strings.ContainsAny(p, "\r\n\x00"+ircFormatting) || strings.HasPrefix(p, "\x01") {
			t.Fatalf("%s: the adapter would send %q", what, line)
		}
	}
}

// viewLine is what a line of a multi-line view (!status, !queue, !history) may be: a
// request's line, or one of the view's own headers. User text never starts a line: it
// cannot hold a line break once cleaned.
var viewLine = regexp.MustCompile(`^(\[[0-9a-f]{8}\] |\d+ request\(s\) in flight:$|the queue is empty$|\.\.\. and \d+ more$|snakefruit differs )`)

// noNetwork refuses every download: a fuzzed `!stage URL` must not reach out.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzz test")
}

// FuzzHostileText feeds arbitrary user text (a display name, and text typed after every
// command, as a command name and as a reason) through the registry and a real workflow,
// and checks that each reply and each announcement the IRC adapter would send is one
// control-free line per message.
func FuzzHostileText(f *testing.F) {
	dir := f.TempDir()
	clickPath := clicktest.Build(f, dir, clicktest.Spec{Name: "com.example.fuzz", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"f": "fuzz"}})
	db, err := storage.OpenWith(filepath.Join(dir, "stagebot.db"), storage.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	team := stagebot.Team{
		Landing: []stagebot.Member{{Name: "sil2100", IRC: "account:sil2100", Slack: "U0SIL"}, {Name: "*"}},
		QA:      []stagebot.Member{{Name: "*"}},
		Landers: []stagebot.Member{{Name: "*"}},
	}
	svc := workflow.New(workflow.Config{DB: db, Team: team, Policy: stagebot.Policy{Approvals: 2}, StateDir: dir,
		Intake: &intake.Fetcher{Dir: filepath.Join(dir, "downloads"), MaxBytes: 1 << 20, BaseURL: "https://u:p@up.example/",
			Client: &http.Client{Transport: noNetwork{}}}})
	reg := commands.NewRegistry("!", svc)
	if err := db.Update(func(tx *storage.Tx) error { return tx.RegisterAdapter("fuzz") }); err != nil {
		f.Fatal(err)
	}
	var seen uint64

	for _, s := range [][2]string{
		{"sil2100", "oops\n[1a2b3c4d] com.example.fuzz_1.0_all.click approved: by sil; queued for locking\n\x01ACTION is compromised\x01"},
		{"mallory\r\nPRIVMSG #stage :hi", "\x02bold\x03" + "4red\x0f\x16\x1d\x1e\x1f"},
		{"\x01VERSION\x01", strings.Repeat("x", 460) + "\x01VERSION\x01"},
		{"\u2028\u202e", "\xff\xfe\x85"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, text string) {
		requester := stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0REQ", Name: name}
		approver := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "appr!~a@host.example", Name: name}
		other := stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0OTHER", Name: name + text}
		run := func(who stagebot.Identity, line string, local bool) string {
			t.Helper()
			reply := reg.Run(context.Background(), &commands.Env{Actor: who, LocalPaths: local}, line)
			name, _, _ := strings.Cut(line, " ")
			if c, ok := reg.Lookup(name); ok && c.ReadOnly && c.Name != "help" && strings.Contains(reply, "\n") {
				for _, l := range strings.Split(reply, "\n") {
					if l != "" && !viewLine.MatchString(l) {
						t.Fatalf("reply to %q has a line of its own: %q", line, l)
					}
				}
			} else if strings.Contains(reply, "\n") {
				t.Fatalf("reply to %q is not one line: %q", line, reply)
			}
			assertIRCLines(t, "reply to "+line, "nick", reply)
			return reply
		}

		// A whole request, each step by a person with the fuzzed name.
		staged := run(requester, "stage "+clickPath, true)
		id := ""
		if m := regexp.MustCompile(`^\[([0-9a-f]{8})\]`).FindStringSubmatch(staged); m != nil {
			id = m[1]
		}
		run(approver, "approve "+id, false)
		run(other, "qa "+id, false)
		run(requester, "cancel "+id+" "+text, false)
		// The text after every command, as a command and as a reason or argument.
		run(other, text, false)
		for _, c := range reg.Names() {
			if c == "stage" || c == "tick" || c == "phasing" {
				continue // a path is console-only; a tick and phasing take no user text
			}
			run(other, c+" "+text, false)
			run(other, c+" "+id+" "+text, false)
		}
		run(other, "stage "+text, false)
		run(other, "help "+text, false)

		var anns []stagebot.Event
		if err := db.View(func(tx *storage.Tx) error {
			var err error
			anns, err = tx.Pending("fuzz", 1<<20)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, a := range anns {
			if a.Seq <= seen {
				continue
			}
			seen = a.Seq
			line := bot.Line(team, a, stagebot.NetworkIRC)
			if strings.Contains(line, "\n") {
				t.Fatalf("announcement is not one line: %q", line)
			}
			assertIRCLines(t, "announcement", "", line)
		}
	})
}

// TestLongHostileCommandIsNotSplitIntoCTCP: issue 12's 471-byte `!xxx…x\x01VERSION\x01`.
// The unknown-command reply repeats the name; cut at the line limit, its second piece
// began with \x01VERSION\x01, a CTCP request from the bot. Each length puts the cut right
// before the \x01 for a reply to nick "lander" in #stage.
func TestLongHostileCommandIsNotSplitIntoCTCP(t *testing.T) {
	reg := commands.NewRegistry("!", nil)
	budget := textBudget(fuzzSelfMask, "stagebot", "PRIVMSG", "#stage")
	head := "lander: unknown command !"
	cases := []struct {
		name string
		xs   int
	}{
		{"cut right before the CTCP", budget - len(head)},
		{"the issue's 471 bytes", 471 - len("!") - len("\x01VERSION\x01")},
		{"cut inside the CTCP", budget - len(head) - 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := strings.Repeat("x", c.xs) + "\x01VERSION\x01"
			reply := reg.Run(t.Context(), &commands.Env{Actor: stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lander!~l@127.0.0.1", Name: "lander"}}, line)
			assertIRCLines(t, "unknown-command reply", "lander", reply)
		})
	}
}
