package chat

import "testing"

func TestMatrix(t *testing.T) {
	cases := []struct {
		name       string
		parts      []Part
		body, html string
	}{
		{"script in a name", []Part{{Words, "requested by "}, {Outside, "<script>alert(1)</script>"}},
			"requested by <script>alert(1)</script>", "requested by &lt;script&gt;alert(1)&lt;/script&gt;"},
		{"quotes and ampersands", []Part{{Outside, `"a" & 'b'`}}, `"a" & 'b'`, "&#34;a&#34; &amp; &#39;b&#39;"},
		{"known mention is a pill", []Part{{Mention, "sil"}, {Words, ": please approve"}},
			"sil: please approve", silPill + "sil</a>: please approve"},
		{"unknown mention is text", []Part{{Mention, "<b>qa</b>"}}, "<b>qa</b>", "&lt;b&gt;qa&lt;/b&gt;"},
		{"room broadcast", []Part{{Outside, "@room look"}}, "＠room look", "＠room look"},
		{"controls shown", []Part{{Outside, "a\r\nb\u202e"}}, "a␍␊b\ufffd", "a␍␊b\ufffd"},
		{"command", []Part{{Command, "approve 1a2b3c4d"}}, "!approve 1a2b3c4d", "!approve 1a2b3c4d"},
		{"strong words bold", []Part{{Words, "State: "}, {Strong, "pending"}}, "State: pending", "State: <strong>pending</strong>"},
		{"strong words escaped", []Part{{Strong, "a<b"}}, "a<b", "<strong>a&lt;b</strong>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, html := Matrix(Message{Kind: Reply, Parts: c.parts}, "!", matrixMentionOf)
			if body != c.body || html != c.html {
				t.Fatalf("Matrix = %q, %q; want %q, %q", body, html, c.body, c.html)
			}
		})
	}
}

// TestMatrixPillNeedsAUserID: a pill links only to what is a user ID.
func TestMatrixPillNeedsAUserID(t *testing.T) {
	cases := []struct {
		id   string
		pill bool
	}{
		{"@sil2100:example.org", true},
		{"@sil:example.org:8448", true},
		{"@sil:[::1]:8448", true},
		{"@sil:example.org\"><script>", false},
		{"javascript:alert(1)", false},
		{"@sil", false},
		{"@Sil Space:example.org", false},
		{"", false},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			_, html := Matrix(Message{Kind: Reply, Parts: []Part{{Mention, "sil"}}}, "!",
				func(string) (string, bool) { return c.id, true })
			want := "sil"
			if c.pill {
				want = `<a href="https://matrix.to/#/` + c.id + `">sil</a>`
			}
			if html != want {
				t.Fatalf("html = %q, want %q", html, want)
			}
		})
	}
	if _, html := Matrix(Message{Kind: Reply, Parts: []Part{{Mention, "sil"}}}, "!", nil); html != "sil" {
		t.Fatalf("without mention: %q", html)
	}
}
