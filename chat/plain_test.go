package chat

import (
	"strings"
	"testing"
)

func TestPlain(t *testing.T) {
	cases := []struct {
		name, prefix, to string
		m                Message
		want             string
	}{
		{"announcement", "!", "", sampleAnnouncement(),
			"[1a2b3c4d] com.example.app_1.0_all.click approved: 1/2 by bob; 1 more needed from sil (!approve 1a2b3c4d)"},
		{"reply with a dot prefix", ".", "", sampleReply(),
			"held 1a2b3c4d (com.example.app_1.0_all.click) for waiting for the release notes; not locked until .unhold 1a2b3c4d · > and a quote is pending, ask sil"},
		{"addressed", "!", "alice", Message{Kind: Reply, Parts: []Part{{Words, "pending"}}}, "alice: pending"},
		{"addressee cleaned", "!", "al\nice", Message{Kind: Reply, Parts: []Part{{Words, "pending"}}}, "al␊ice: pending"},
		{"one line", "!", "", Message{Kind: Reply, Parts: []Part{{Words, "a\nb"}, {Outside, "c\r\nd"}}}, "a bc␍␊d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PlainReply(c.m, c.prefix, c.to); got != c.want {
				t.Fatalf("Plain = %q, want %q", got, c.want)
			}
			if c.to == "" && Plain(c.m, c.prefix) != PlainReply(c.m, c.prefix, "") {
				t.Fatal("Plain and PlainReply without addressee differ")
			}
		})
	}
	huge := Message{Kind: Reply, Parts: []Part{{Words, "refused: "}, {Outside, strings.Repeat("p/", 1<<19)}}}
	if got := Plain(huge, "!"); got != "refused: "+strings.Repeat("p/", 38)+"p…" {
		t.Fatalf("a 1 MiB path = %q", got)
	}
}
