package stagebot

import "testing"

func TestPublicName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"sil2100 (IRC sil2100!~u@evil.example)", "sil2100 (IRC)"},
		{"IRC x!y@10.0.0.7", "x (IRC)"},
		{"sil2100", "sil2100"},
		{"Mallory (Slack U0MALLORY)", "Mallory (Slack U0MALLORY)"},
		{"alice", "alice"},
		{"a (IRC) b", "a (IRC) b"},
		{"", ""},
		{"approved by sil2100 (IRC sil2100!~u@evil.example) and IRC x!y@10.0.0.7, then", "approved by sil2100 (IRC) and x (IRC), then"},
	} {
		if got := PublicName(c.in); got != c.want {
			t.Errorf("PublicName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// What Display records for an IRC stranger is what PublicName shortens.
	id := Identity{Network: NetworkIRC, ID: "eve!~e@10.1.2.3", Name: "eve"}
	if got := PublicName(Display(id, id.Key())); got != "eve (IRC)" {
		t.Errorf("PublicName(Display(eve)) = %q", got)
	}
}
