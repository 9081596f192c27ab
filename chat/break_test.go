package chat

import (
	"strings"
	"testing"
	"time"

	"stagebot"
)

// A list is one item a line where a network shows lines within a message (Slack, Matrix),
// and one line with the renderer's separators where it does not (IRC, the console). Only
// the renderer breaks lines: a line break in outside text, or in the bot's own words, is
// no break anywhere.
func TestListsBreakWhereNetworksShowLines(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	alice := stagebot.Identity{Network: "console", ID: "alice", Name: "alice"}
	st := func(id, name string) stagebot.Status {
		return stagebot.Status{Request: &stagebot.Request{ID: id + "-0000-4000-8000-000000000001", Name: name, Version: "1", Arch: "all",
			Filename: name + "_1_all.click", State: stagebot.StatePending, Created: now, Requester: alice}}
	}
	r := Renderer{Prefix: "!"}
	queue := r.Queue([]stagebot.Status{st("1a2b3c4d", "com.example.one"), st("5e6f7a8b", "com.example.two")}, stagebot.Drift{}, 10, now)

	slack := Slack(queue, r.Prefix, nil)
	if lines := strings.Split(slack, "\n"); len(lines) != 3 || !strings.HasSuffix(lines[0], "in flight:") ||
		!strings.HasPrefix(lines[1], "1a2b3c4d ") || !strings.HasPrefix(lines[2], "5e6f7a8b ") {
		t.Errorf("Slack queue is not a line a request:\n%s", slack)
	}
	body, html := Matrix(queue, r.Prefix, nil)
	if strings.Count(body, "\n") != 2 || strings.Count(html, "<br>") != 2 || strings.Contains(html, "\n") {
		t.Errorf("Matrix queue: body %q, html %q; want two breaks in each", body, html)
	}
	plain := Plain(queue, r.Prefix)
	if strings.Contains(plain, "\n") || !strings.Contains(plain, "in flight: 1a2b3c4d ") || !strings.Contains(plain, " · 5e6f7a8b ") {
		t.Errorf("console queue: %q", plain)
	}
	for _, l := range IRC(queue, r.Prefix, 400) {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("IRC line %q breaks", l)
		}
	}

	// Breaks the renderer did not make: none on any network.
	forged := Message{Kind: Reply, Parts: []Part{{Words, "a\nb"}, {Outside, "c\n[1a2b3c4d] x locked"}, {Command, "help\nx"}}}
	if s := Slack(forged, "!", nil); strings.Contains(s, "\n") {
		t.Errorf("Slack broke a line it was not asked to: %q", s)
	}
	if body, html := Matrix(forged, "!", nil); strings.Contains(body, "\n") || strings.Contains(html, "<br>") {
		t.Errorf("Matrix broke a line it was not asked to: %q %q", body, html)
	}

	// A break at either end carries nothing, and one never ends a message cut short.
	ends := Message{Kind: Reply, Parts: []Part{{Break, " · "}, {Words, "x"}, {Break, " · "}}}
	if s := Slack(ends, "!", nil); s != "x" {
		t.Errorf("breaks at the ends: %q", s)
	}
	long := Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("y", MaxMessage-2)}, {Break, " · "}, {Words, "z"}}}
	if s := Slack(long, "!", nil); strings.Contains(s, "\n") || len(s) > MaxMessage {
		t.Errorf("a cut message keeps a break or is too long: %d bytes, ends %q", len(s), s[max(0, len(s)-8):])
	}
}
