package stagebot

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"no secret", "https://upload.example/clicks/a_1_all.click", "https://upload.example/clicks/a_1_all.click"},
		{"userinfo", "https://user:hunter2@upload.example/clicks/", "https://upload.example/clicks/"},
		{"user only", "https://tokenuser@upload.example/x", "https://upload.example/x"},
		{"secret query", "https://h/x.click?token=abc&name=foo&X-Amz-Signature=def", "https://h/x.click?token=REDACTED&name=foo&X-Amz-Signature=REDACTED"},
		{"every listed key", "https://h/?key=1&sig=2&signature=3&password=4&secret=5&api_key=6&page=7", "https://h/?key=REDACTED&sig=REDACTED&signature=REDACTED&password=REDACTED&secret=REDACTED&api_key=REDACTED&page=7"},
		{"both", "https://u:p@h/x?access_token=zzz", "https://h/x?access_token=REDACTED"},
		{"unparsable keeps nothing secret", "https://u:p@h/%zz?token=q", "https://h/%zz?REDACTED"},
		{"not a URL", "/tmp/a_1_all.click", "/tmp/a_1_all.click"},
		{"bare name", "a_1_all.click", "a_1_all.click"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RedactURL(c.in); got != c.want {
				t.Fatalf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestRedactText(t *testing.T) {
	in := `download of https://bob:s3cret@up.example/c/x.click?sig=abcdef timed out; Get "https://h/y?token=t0k": EOF`
	got := RedactText(in)
	for _, secret := range []string{"s3cret", "bob:", "abcdef", "t0k"} {
		if strings.Contains(got, secret) {
			t.Fatalf("RedactText left %q in %q", secret, got)
		}
	}
	if !strings.Contains(got, "https://up.example/c/x.click?sig=REDACTED timed out") {
		t.Fatalf("RedactText = %q", got)
	}
}

func TestRequestShown(t *testing.T) {
	r := &Request{ID: "x", Source: "https://u:pw@h/a.click?token=tk", LastError: "GET https://u:pw@h/a: 404",
		PublishErr: "see https://h/?secret=sec", Reason: "https://u:pw@h/",
		History: []Transition{{Note: "fetched https://u:pw@h/a.click"}}}
	s := r.Shown()
	all := s.Source + s.LastError + s.PublishErr + s.Reason + s.History[0].Note
	for _, secret := range []string{"pw", "tk", "=sec"} {
		if strings.Contains(all, secret) {
			t.Fatalf("Shown keeps %q: %+v", secret, s)
		}
	}
	if r.Source != "https://u:pw@h/a.click?token=tk" || r.History[0].Note != "fetched https://u:pw@h/a.click" {
		t.Fatalf("Shown changed the original: %+v", r)
	}
}
