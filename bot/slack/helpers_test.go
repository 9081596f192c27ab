package slack_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/fakeslack"
)

// The whole-bot tests here run stagebot with bottest on a fake Slack workspace; these are
// the Slack pieces they share.

const (
	channel = "CSTAGE"
	alice   = "UALICE" // a lander
	sil     = "USIL"   // landing team
	ken     = "UKEN"   // landing team
	mallory = "UMAL"   // not in the team
	qa      = "UQA"
	fw      = "ubuntu-sdk-15.04"
)

// slackBot is a whole stagebot on a fake Slack workspace.
type slackBot struct {
	*bottest.Bot
	t  *testing.T
	fs *fakeslack.Server
}

// newSlack is a fake workspace with alice, sil2100, ken, mallory and qa-lead in it.
func newSlack(t *testing.T) *fakeslack.Server {
	t.Helper()
	fs := fakeslack.Start(t)
	for _, u := range []fakeslack.User{
		{ID: alice, Name: "alice", RealName: "Alice Lander", DisplayName: "alice"},
		{ID: sil, Name: "sil2100", RealName: "Łukasz", DisplayName: "sil2100"},
		{ID: ken, Name: "ken", RealName: "Ken V", DisplayName: "kenvandine"},
		{ID: mallory, Name: "mallory", RealName: "Mallory", DisplayName: "mallory"},
		{ID: qa, Name: "qa", RealName: "QA Lead", DisplayName: "qa-lead"},
	} {
		fs.AddUser(u)
	}
	return fs
}

// onSlack is what puts a test bot on a fake workspace, as YAML for bottest.Options.Extra.
type onSlack struct {
	fs       *fakeslack.Server
	channels []string // CSTAGE when none
	more     string   // further keys of the slack section, each line "  key: value\n"
}

func (o onSlack) yaml() string {
	channels := o.channels
	if len(channels) == 0 {
		channels = []string{channel}
	}
	q := make([]string, len(channels))
	for i, c := range channels {
		q[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("slack:\n  bot_token: %s\n  app_token: %s\n  channels: [%s]\n  api_url: %s\n%s",
		fakeslack.BotToken, fakeslack.AppToken, strings.Join(q, ", "), o.fs.APIURL(), o.more)
}

// slackTeam is the team section with landing as its landing team: qa-lead does QA and
// anyone may ask.
func slackTeam(landing string) string {
	return "  landing: " + landing + "\n  qa: [{name: qa-lead, slack: " + qa + "}]\n  landers: [{name: \"*\"}]\n"
}

// landingTeam is the usual landing team: sil2100 and ken.
var landingTeam = fmt.Sprintf("[{name: sil2100, slack: %s}, {name: ken, slack: %s}]", sil, ken)

// startSlackBot runs a bot in CSTAGE on a new fake workspace as o says, until the test
// ends.
func startSlackBot(t *testing.T, o bottest.Options) *slackBot {
	t.Helper()
	fs := newSlack(t)
	o.Extra = onSlack{fs: fs}.yaml() + o.Extra
	return startSlackBotOn(t, fs, o)
}

// startSlackBotOn runs a bot as o says, whose o.Extra puts it on fs, until the test ends,
// and waits for its socket. o.Team is slackTeam(landingTeam) when empty.
func startSlackBotOn(t *testing.T, fs *fakeslack.Server, o bottest.Options) *slackBot {
	t.Helper()
	if o.Team == "" {
		o.Team = slackTeam(landingTeam)
	}
	b := bottest.StartWith(t, o)
	fs.Await(bottest.Wait, "the bot's socket", func(v fakeslack.View) bool { return v.Connected() })
	return &slackBot{Bot: b, t: t, fs: fs}
}

// click builds a real click and uploads it as file id.
func (b *slackBot) upload(id, name, version string) string {
	b.t.Helper()
	path := clicktest.Build(b.t, b.t.TempDir(), clicktest.Spec{Name: name, Version: version, Framework: fw, Arch: "all",
		Files: map[string]string{"a": version}})
	data, err := os.ReadFile(path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.fs.AddFile(fakeslack.File{ID: id, Name: filepath.Base(path), Content: data})
	return filepath.Base(path)
}

// stage shares file id with `!stage` as user and returns the request ID and its request
// message's ts.
func (b *slackBot) stage(user, fileID, filename string) (id, head string) {
	b.t.Helper()
	b.fs.SayWithFiles(channel, user, "!stage", fileID)
	return b.awaitRequest(filename)
}

// awaitRequest waits for the request message for filename and returns the request ID and
// the message's ts.
func (b *slackBot) awaitRequest(filename string) (id, head string) {
	b.t.Helper()
	re := regexp.MustCompile(`^\[([0-9a-f]{8})\] ` + regexp.QuoteMeta(filename) + ` requested`)
	b.fs.Await(bottest.Wait, "the request message for "+filename, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if m := re.FindStringSubmatch(p.Text); m != nil && p.ThreadTS == "" && strings.Contains(p.Blocks, "stagebot_approve") {
				id, head = m[1], p.TS
				return true
			}
		}
		return false
	})
	return id, head
}

// replies are the bot's posts in the thread under head.
func replies(v fakeslack.View, head string) []string {
	var out []string
	for _, p := range v.Posts() {
		if p.ThreadTS == head {
			out = append(out, p.Text)
		}
	}
	return out
}

// awaitReply waits for a thread reply matching pattern.
func (b *slackBot) awaitReply(head, pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(bottest.Wait, "a thread reply matching "+pattern, func(v fakeslack.View) bool {
		for _, r := range replies(v, head) {
			if re.MatchString(r) {
				return true
			}
		}
		return false
	})
}

// awaitPost waits for a top-level post matching pattern.
func (b *slackBot) awaitPost(pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(bottest.Wait, "a channel post matching "+pattern, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if p.ThreadTS == "" && re.MatchString(p.Text) {
				return true
			}
		}
		return false
	})
}

// awaitEphemeral waits for an ephemeral message to user matching pattern.
func (b *slackBot) awaitEphemeral(user, pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(bottest.Wait, "an ephemeral to "+user+" matching "+pattern, func(v fakeslack.View) bool {
		for _, e := range v.Ephemerals() {
			if e.User == user && re.MatchString(e.Text) {
				return true
			}
		}
		return false
	})
}

// status asks !status as user and returns the reply, shown to user alone; it also proves
// every earlier message and decision of user's was handled (a !stage's download aside),
// since the core handles one person's in order.
func (b *slackBot) status(user, id string) string {
	b.t.Helper()
	var got string
	n := 0
	b.fs.Read(func(v fakeslack.View) { n = len(v.Ephemerals()) })
	b.fs.Say(channel, user, "!status "+id)
	b.fs.Await(bottest.Wait, "a status reply", func(v fakeslack.View) bool {
		for _, e := range v.Ephemerals()[n:] {
			if e.User == user && strings.HasPrefix(e.Text, id+" ") {
				got = e.Text
				return true
			}
		}
		return false
	})
	return got
}

// words lists, in order, the contract words of the thread replies under head.
func words(v fakeslack.View, head, id string) []string {
	// A state line is "[id] file word: ..." (or ends at the word); a progress line
	// ("approved 1/2 by ...") is not a state.
	re := regexp.MustCompile(`^\[` + id + `\] \S+\.click (\w+)(?::|$)`)
	var out []string
	for _, r := range replies(v, head) {
		if m := re.FindStringSubmatch(r); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}
