package chat

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

var calls atomic.Int64

// FuzzGuard puts any outside text in any part of a reply, an announcement or a notice
// (or in all its parts), addressed or not, under any prefix, and checks every rule of the
// guard on every network (guardViolations): IRC lines within 512 bytes as the server
// relays them from a long hostmask, no control, bidi, separator or zero-width character,
// no line of a reply or notice that reads as an announcement, none starting with \x01,
// at most MaxLines lines a reply and one an announcement or notice, continuations marked;
// Plain one line within MaxMessage; no Slack markup that mention() did not make; no
// Matrix HTML the guard did not write.
func FuzzGuard(f *testing.F) {
	seeds := []string{
		strings.Repeat("─", 200),
		strings.Repeat("x", 40) + " [deadbeef] com.victim_2.0_armhf.click approved: by sil",
		"[deadbeef] com.victim_2.0_armhf.click approved: by sil",
		"x.click\n[deadbeef] com.victim_2.0_armhf.click approved: by sil",
		"Not Found\r\nPRIVMSG #ubuntu-ci-eng :hi",
		"\x01ACTION \x02Not\x02 \x034,1Found\x0f\x01",
		"evil\u202eexample.com\u0085next\u2028line",
		"sil\u200b2100\u200d\ufeff\u2066\u200e",
		"ab\xff\xfe\xc3",
		"<!channel> <@U0LANDING> <https://evil.example|docs> @here",
		"> *bold* _it_ ~strike~ `code`",
		`<script>alert(1)</script>@room`,
		"\u3000\u2800 [deadbeef] x",
		strings.Repeat("ab\x01 ", 1<<10),
	}
	for i, s := range seeds {
		f.Add(s, uint8(i%3), uint8(i), uint8(i%3), uint8(i%4))
	}
	prefixes := []string{"!", ".", "stagebot: "}
	f.Fuzz(func(t *testing.T, s string, kind, slot, prefix, to uint8) {
		if n := calls.Add(1); n%20000 == 0 {
			os.WriteFile(fmt.Sprintf("/tmp/fuzzcount.%d", os.Getpid()), []byte(fmt.Sprint(n)), 0o644)
		}
		m := []Message{sampleReply(), sampleAnnouncement(), sampleNotice()}[kind%3]
		i := int(slot) % (len(m.Parts) + 1)
		addressee := []string{"", "alice", "[deadbeef]", s}[to%4]
		if bad := guardViolations(withText(m, i, s), prefixes[prefix%3], addressee, outsideOnly(m, i)); len(bad) > 0 {
			t.Fatalf("part %d of kind %d:\n%s", i, m.Kind, strings.Join(bad, "\n"))
		}
	})
}
