package commands

import (
	"strings"
	"testing"
)

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
	for _, name := range []string{"stage", "approve", "qa", "reject", "cancel", "hold", "unhold", "status", "queue", "history", "tick", "retry", "promote", "phasing", "help"} {
		c, ok := r.Lookup(name)
		if !ok {
			t.Errorf("no command %s", name)
			continue
		}
		if c.Summary == "" {
			t.Errorf("%s lacks help: %+v", name, c)
		}
		usage := "!" + name
		if got := say(r, &Env{}, "help "+name); !strings.HasPrefix(got, usage) || !strings.Contains(got, "Who: ") || !strings.Contains(got, "Example: !"+name) {
			t.Errorf("help %s = %q", name, got)
		}
	}
	for _, c := range []struct{ name, also string }{{"approve", "👍"}, {"reject", "❌"}} {
		if got := say(r, &Env{}, "help "+c.name); !strings.Contains(got, c.also) || !strings.Contains(got, "button") {
			t.Errorf("help %s does not name its reactions and buttons: %q", c.name, got)
		}
	}
	if got := say(r, &Env{}, "frob"); got != "unknown command !frob; !help lists the commands" {
		t.Errorf("unknown command reply %q", got)
	}
}
