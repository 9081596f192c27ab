package config

import (
	"strings"
	"testing"
	"time"
)

// TestLimitsCommands: limits.commands is N/duration or 0, defaults to 5/10s, and anything
// else is a problem at its key path.
func TestLimitsCommands(t *testing.T) {
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	for _, c := range []struct {
		yaml string
		want Rate
	}{
		{"", Rate{N: 5, Per: 10 * time.Second}},
		{"limits: {commands: 3/1m}\n", Rate{N: 3, Per: time.Minute}},
		{"limits: {commands: 0}\n", Rate{}},
		{"limits: {commands: \"0\"}\n", Rate{}},
	} {
		cfg, err := Parse("f.yaml", []byte(base+c.yaml), env(nil))
		if err != nil {
			t.Fatalf("%q: %v", c.yaml, err)
		}
		if got := cfg.Limits.CommandRate(); got != c.want {
			t.Errorf("%q: rate %+v, want %+v", c.yaml, got, c.want)
		}
	}
	for _, bad := range []string{"5", "5/", "/10s", "x/10s", "-1/10s", "5/0s", "5/ten", "[5]"} {
		_, err := Parse("f.yaml", []byte(base+"limits: {commands: "+bad+"}\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "f.yaml: limits.commands: expected N/duration") {
			t.Errorf("%q: err %v, want a problem at limits.commands", bad, err)
		}
	}
}
