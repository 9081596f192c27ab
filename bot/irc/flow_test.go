package irc_test

import (
	"net/url"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestContractFlowOverIRC walks the contract's whole flow on a real InspIRCd: a click
// staged by URL and one by bare name through downloads.base_url, approved by command and
// by a +draft/react reaction, then !tick, !promote and !phasing 100. Every state is
// announced in the channel with the ID and filename, and the list file ends empty.
func TestContractFlowOverIRC(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	clicks := t.TempDir()
	fooFile := buildClick(t, clicks, "com.example.foo", "1.0")
	barFile := buildClick(t, clicks, "com.example.bar", "2.0")
	base := serveClicks(t, clicks)

	lander := ircdtest.Dial(t, srv.Addr, "lander")
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	for _, c := range []*ircdtest.Client{lander, sil, watch} {
		c.Join(channel)
	}
	b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: base}.yaml()})
	awaitBotIn(t, watch, bottest.Wait)

	// By URL.
	u, _ := url.JoinPath(base, fooFile)
	lander.Say(channel, "!stage "+u)
	reply := lander.Expect(func(m *irc.Message) bool {
		return ircdtest.TextFrom("stagebot", "requested")(m) && strings.Contains(m.Trailing(), "lander")
	})
	foo := requestID(t, reply)
	req := sil.Expect(announcement(foo, fooFile, "requested"))
	if !strings.HasPrefix(req.Trailing(), "sil lead: ") {
		t.Errorf("the request does not highlight the approver: %q", req.Trailing())
	}
	sil.Say(channel, "!approve "+foo)

	// By bare name through downloads.base_url, approved by reaction.
	lander.Say(channel, "stagebot: !stage "+barFile)
	reqBar := sil.Expect(func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && m.Param(0) == channel &&
			strings.Contains(m.Trailing(), "] "+barFile+" requested")
	})
	bar := requestID(t, reqBar)
	if reqBar.Tags["msgid"] == "" {
		t.Fatalf("the request line has no msgid: %s", reqBar)
	}
	sil.React(channel, reqBar.Tags["msgid"], "👍")

	awaitAll(t, watch, announcement(foo, fooFile, "requested"), announcement(foo, fooFile, "approved"),
		announcement(foo, fooFile, "locked"), announcement(bar, barFile, "requested"),
		announcement(bar, barFile, "approved"), announcement(bar, barFile, "locked"))
	if got := b.ListFile(); got != fooFile+"\n"+barFile+"\n" {
		t.Fatalf("list after locking = %q", got)
	}
	sil.Say(channel, "!tick")
	awaitAll(t, watch, announcement(foo, fooFile, "stored"), announcement(bar, barFile, "stored"))
	sil.Say(channel, "!promote 100")
	awaitAll(t, watch, announcement(foo, fooFile, "promoted"), announcement(bar, barFile, "promoted"))
	sil.Say(channel, "!phasing 100")
	awaitAll(t, watch, announcement(foo, fooFile, "published"), announcement(bar, barFile, "published"))
	if got := b.ListFile(); got != "" {
		t.Fatalf("list after publishing = %q, want empty", got)
	}
}

// awaitAll waits until every matcher has matched some line, in any order.
func awaitAll(t *testing.T, c *ircdtest.Client, matchers ...func(*irc.Message) bool) {
	t.Helper()
	left := append([]func(*irc.Message) bool(nil), matchers...)
	for len(left) > 0 {
		c.Expect(func(m *irc.Message) bool {
			for i, f := range left {
				if f(m) {
					left = append(left[:i], left[i+1:]...)
					return true
				}
			}
			return false
		})
	}
}
