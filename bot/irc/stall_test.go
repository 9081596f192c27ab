package irc_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestSlowStageHoldsNoLaterCommand: while one person's `!stage` downloads a click that
// trickles in (the server holds it until the test lets go), everyone in the channel is
// served at once: another person's `!status`, an `!approve` and an approving reaction on
// existing requests, and the stager's own `!status` too: read-only commands are never
// answered behind a download. The stage's reply comes when its download ends.
func TestSlowStageHoldsNoLaterCommand(t *testing.T) {
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
	if _, ok := stager.Await(prompt, ircdtest.TextFrom("stagebot", "stager: ", "zzzz9999")); !ok {
		t.Fatalf("the stager's own !status was not answered within %s of their download in progress", prompt)
	}

	other.Say(channel, "!status "+a)
	if _, ok := other.Await(prompt, ircdtest.TextFrom("stagebot", "other: ", a+" ", "requested by")); !ok {
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

	for _, m := range stager.Seen() {
		if ircdtest.TextFrom("stagebot", "trickle.click")(m) {
			t.Fatalf("the stage was answered before its download ended: %s", m)
		}
	}
	close(release)
	stager.Expect(ircdtest.TextFrom("stagebot", "stager: ", "trickle.click"))
}
