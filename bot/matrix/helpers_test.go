package matrix_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/dendritetest"
)

// The whole-bot tests here run stagebot (bottest) on the package's Dendrite: the bot's own
// account, and people who speak, react and redact through the client-server API as their
// clients would.

// worlds numbers the tests' worlds: every user and alias carries its world's number, so
// the tests share one homeserver without meeting.
var worlds atomic.Int64

// world is one test's people and room on the shared homeserver: alice stages (a lander),
// sil2100 and ken approve (landing team), mallory is nobody the team knows.
type world struct {
	t *testing.T
	s *dendritetest.Server
	// homeserver is what the bot is configured with: the server, or a Front before it.
	homeserver string
	n          int64

	botID, botToken          string
	alice, sil, ken, mallory *dendritetest.Client
	// room is the landing room (public, alias #landing-N), which sil2100 made and everyone
	// joined.
	room, alias string

	clicks   string // a folder of clicks, served at clickURL
	clickURL string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := homeserver(t)
	n := worlds.Add(1)
	w := &world{t: t, s: s, homeserver: s.URL, n: n}
	w.botID, w.botToken = s.RegisterUser(t, w.name("stagebot"), "password-of-the-bot", false)
	w.alice, w.sil, w.ken, w.mallory = s.User(t, w.name("alice")), s.User(t, w.name("sil")), s.User(t, w.name("ken")), s.User(t, w.name("mallory"))
	w.alias = s.Alias(w.name("landing"))
	w.room = w.sil.CreateRoom(dendritetest.RoomOptions{Name: "landing", Alias: w.name("landing"), Public: true})
	for _, c := range []*dendritetest.Client{w.alice, w.ken, w.mallory} {
		c.Join(w.room)
	}
	w.clicks = t.TempDir()
	srv := httptest.NewServer(http.FileServer(http.Dir(w.clicks)))
	t.Cleanup(srv.Close)
	w.clickURL = srv.URL + "/"
	return w
}

// name is a localpart of this world.
func (w *world) name(base string) string { return fmt.Sprintf("%s-%d", base, w.n) }

// team is the team section: sil2100 and ken land, qa-lead signs off, anyone asks.
func (w *world) team() string {
	return fmt.Sprintf("  landing: [{name: sil2100, matrix: %q}, {name: ken, matrix: %q}]\n  qa: [{name: qa-lead}]\n  landers: [{name: \"*\"}]\n",
		w.sil.UserID, w.ken.UserID)
}

// config is the matrix section with rooms (the landing room's alias when none), and
// downloads from this machine.
func (w *world) config(rooms ...string) string {
	if len(rooms) == 0 {
		rooms = []string{w.alias}
	}
	q := make([]string, len(rooms))
	for i, r := range rooms {
		q[i] = fmt.Sprintf("%q", r)
	}
	return fmt.Sprintf("matrix:\n  homeserver: %q\n  user_id: %q\n  access_token: %q\n  rooms: [%s]\n"+
		"downloads: {allowed_hosts: [\"127.0.0.1\"]}\n", w.homeserver, w.botID, w.botToken, strings.Join(q, ", "))
}

// start runs the bot as o says (its team and the matrix section filled in unless set),
// and waits until it is in the landing room.
func (w *world) start(o bottest.Options) *bottest.Bot {
	w.t.Helper()
	o.NoConsole = true
	if o.Team == "" {
		o.Team = w.team()
	}
	if !strings.Contains(o.Extra, "matrix:") {
		o.Extra = w.config() + o.Extra
	}
	b := bottest.StartWith(w.t, o)
	w.sil.Expect(dendritetest.In(w.room, w.joined(w.botID)))
	return b
}

// joined matches user's join.
func (w *world) joined(user string) func(dendritetest.Event) bool {
	return func(e dendritetest.Event) bool {
		return e.Type == "m.room.member" && e.StateKey != nil && *e.StateKey == user && e.Content["membership"] == "join"
	}
}

// click builds com.example.NAME version VERSION into the served folder and returns its URL
// and filename.
func (w *world) click(name, version string) (url, filename string) {
	w.t.Helper()
	path := clicktest.Build(w.t, w.clicks, clicktest.Spec{Name: "com.example." + name, Version: version,
		Framework: "ubuntu-sdk-15.04", Arch: "all", Files: map[string]string{"app.qml": "import QtQuick 2.4\nItem {}\n" + version}})
	return w.clickURL + filepath.Base(path), filepath.Base(path)
}

// fromBot matches the bot's messages in room whose body matches pattern.
func (w *world) fromBot(room, pattern string) func(dendritetest.Event) bool {
	re := regexp.MustCompile(pattern)
	return dendritetest.In(room, func(e dendritetest.Event) bool {
		return e.Type == "m.room.message" && e.Sender == w.botID && re.MatchString(e.Body())
	})
}

// request is a request message as people see it.
type request struct {
	id       string // the short ID
	filename string
	head     dendritetest.Event
	command  string // the event ID of the `!stage`
}

// stage has who stage url in room and waits for its request message, as sil2100 sees it.
func (w *world) stage(who *dendritetest.Client, room, url, filename string) request {
	w.t.Helper()
	cmd := who.Say(room, "!stage "+url)
	head := w.sil.Expect(w.fromBot(room, `^\[[0-9a-f]{8}\] `+regexp.QuoteMeta(filename)+` requested`))
	return request{id: head.Body()[1:9], filename: filename, head: head, command: cmd}
}

// announcement waits (as sil2100) for the bot's announcement of r with word, a reply to its
// request message, and returns it.
func (w *world) announcement(r request, word string) dendritetest.Event {
	w.t.Helper()
	e := w.sil.Expect(w.fromBot(r.head.RoomID, `^\[`+r.id+`\] `+regexp.QuoteMeta(r.filename)+` `+word))
	if got := e.RelatesTo().InReplyTo; got != r.head.EventID {
		w.t.Errorf("%s announcement of %s replies to %q, want its request message %s", word, r.id, got, r.head.EventID)
	}
	return e
}

// answerTo waits (as who sees it) for the bot's reply to command event cmd in room, and
// returns it.
func (w *world) answerTo(who *dendritetest.Client, room, cmd string) dendritetest.Event {
	w.t.Helper()
	return who.Expect(dendritetest.In(room, func(e dendritetest.Event) bool {
		return e.Type == "m.room.message" && e.Sender == w.botID && e.RelatesTo().InReplyTo == cmd
	}))
}

// mentions are an event's m.mentions user IDs.
func mentions(e dendritetest.Event) []string {
	m, _ := e.Content["m.mentions"].(map[string]any)
	ids, _ := m["user_ids"].([]any)
	var out []string
	for _, id := range ids {
		s, _ := id.(string)
		out = append(out, s)
	}
	return out
}
