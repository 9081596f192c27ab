package irc_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestSlowStageHoldsNobodyElse: while one person's `!stage` downloads a click that
// trickles in (the server holds it until the test lets go), everyone else in the channel
// is served at once: another person's `!status`, an `!approve` and an approving reaction
// on existing requests. The stager's own `!status`, sent meanwhile, is answered only
// after the stage's reply: one person's replies keep the order of their commands.
func TestSlowStageHoldsNobodyElse(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	clicks := t.TempDir()
	fileA := buildClick(t, clicks, "com.example.a", "1.0")
	fileB := buildClick(t, clicks, "com.example.b", "1.0")
	files := http.StripPrefix("/clicks/", http.FileServer(http.Dir(clicks)))
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/trickle.click") {
			files.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("!<arch>\n"))
		w.(http.Flusher).Flush()
		once.Do(func() { close(started) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(web.Close)
	defer once.Do(func() {}) // the handler may not have run if the test failed early
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	base := web.URL + "/clicks/"

	lander := ircdtest.Dial(t, srv.Addr, "lander")
	stager := ircdtest.Dial(t, srv.Addr, "stager")
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	other := ircdtest.Dial(t, srv.Addr, "other")
	for _, c := range []*ircdtest.Client{lander, stager, sil, other} {
		c.Join(channel)
	}
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: base}.yaml()})
	awaitBotIn(t, other, bottest.Wait)
	a, _ := stageOne(t, lander, sil, base, fileA)
	b, msgidB := stageOne(t, lander, sil, base, fileB)

	u, _ := url.JoinPath(base, "trickle.click")
	stager.Say(channel, "!stage "+u)
	select {
	case <-started:
	case <-time.After(bottest.Wait):
		t.Fatalf("the bot did not start the download")
	}
	stager.Say(channel, "!status zzzz9999")

	const prompt = 5 * time.Second
	other.Say(channel, "!status "+a)
	if _, ok := other.Await(prompt, ircdtest.TextFrom("stagebot", "["+a+"]", "requested by")); !ok {
		t.Fatalf("another person's !status was not answered within %s of a download in progress", prompt)
	}
	sil.Say(channel, "!approve "+a)
	if _, ok := other.Await(prompt, announcement(a, fileA, "approved")); !ok {
		t.Fatalf("!approve was not acted on within %s", prompt)
	}
	sil.React(channel, msgidB, "👍")
	if _, ok := other.Await(prompt, announcement(b, fileB, "approved")); !ok {
		t.Fatalf("an approving reaction was not acted on within %s", prompt)
	}

	// The stager's own !status waits for their !stage.
	mine := ircdtest.TextFrom("stagebot", "zzzz9999")
	for _, m := range stager.Seen() {
		if mine(m) {
			t.Fatalf("the stager's !status was answered before their !stage: %s", m)
		}
	}
	close(release)
	// The stage's reply (a refusal: the click was cut short) comes first; the bot's
	// earlier replies and the announcements about a and b may come in between.
	var stageReply string
	stager.Expect(func(m *irc.Message) bool {
		if !ircdtest.TextFrom("stagebot")(m) || m.Param(0) != channel || strings.Contains(m.Trailing(), "com.example.") ||
			strings.Contains(m.Trailing(), "["+a+"]") || strings.Contains(m.Trailing(), "["+b+"]") {
			return false
		}
		if mine(m) {
			return true
		}
		if stageReply == "" {
			stageReply = m.Trailing()
		}
		return false
	})
	t.Logf("the stage's reply: %q", stageReply)
	if !strings.Contains(stageReply, "trickle.click") {
		t.Fatalf("the stager's !status overtook their !stage (first reply after the release: %q)", stageReply)
	}
}
