package commands

import "testing"

func TestParse(t *testing.T) {
	cases := []struct {
		text, want string
		ok         bool
	}{
		{"!status 1a2b", "status 1a2b", true},
		{"stagebot: status 1a2b", "status 1a2b", true},
		{"stagebot, !status 1a2b", "status 1a2b", true},
		{"StageBot: help", "help", true},
		{"stagebotx: help", "", false},
		{"hello stagebot", "", false},
		{"! status", "", false},
		{"!", "", false},
		{"stagebot:", "", false},
		{"stagebot:!status 1a2b", "status 1a2b", true},
		{"stagebot: !", "", false},
		{"stagebot: ! status", "", false},
		{"just chatting", "", false},
	}
	for _, c := range cases {
		got, ok := Parse("!", "stagebot", c.text)
		if got != c.want || ok != c.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", c.text, got, ok, c.want, c.ok)
		}
	}
}

func TestHelpCoversEveryCommand(t *testing.T) {
	r := NewRegistry("!", nil)
	for _, name := range []string{"stage", "approve", "qa", "reject", "cancel", "status", "queue", "history", "tick", "retry", "promote", "phasing", "help"} {
		c, ok := r.Lookup(name)
		if !ok {
			t.Errorf("no command %s", name)
			continue
		}
		if c.Who == "" || c.Summary == "" || c.Example == "" {
			t.Errorf("%s lacks help: %+v", name, c)
		}
		if got := r.Run(t.Context(), &Env{}, "help "+name); got == "" || got[:len(c.Usage("!"))] != c.Usage("!") {
			t.Errorf("help %s = %q", name, got)
		}
	}
	if got := r.Run(t.Context(), &Env{}, "frob"); got != "unknown command !frob; !help lists the commands" {
		t.Errorf("unknown command reply %q", got)
	}
}
