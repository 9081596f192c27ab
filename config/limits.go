package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits is the limits section.
type Limits struct {
	// Commands is how many commands one IRC or Slack person may send (a token bucket);
	// nil = the default, DefaultCommandRate.
	Commands *Rate `yaml:"commands"`
}

// DefaultCommandRate is limits.commands when the config does not set it: a person typing
// fast gets through, a script looping on !status does not hold the channel.
var DefaultCommandRate = Rate{N: 5, Per: 10 * time.Second}

// CommandRate is limits.commands with the default filled in; N == 0 is no limit.
func (l Limits) CommandRate() Rate {
	if l.Commands == nil {
		return DefaultCommandRate
	}
	return *l.Commands
}

// Rate is "N/duration" (5/10s: five per ten seconds, in bursts of up to five) or 0 (off).
type Rate struct {
	N   int
	Per time.Duration
}

// UnmarshalYAML reads "N/duration" or 0.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	const want = `expected N/duration such as 5/10s, or 0 for no limit`
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s", want)
	}
	v := strings.TrimSpace(n.Value)
	if v == "0" {
		*r = Rate{}
		return nil
	}
	count, dur, ok := strings.Cut(v, "/")
	c, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || c <= 0 {
		return fmt.Errorf("%s, got %q", want, n.Value)
	}
	d, err := time.ParseDuration(strings.TrimSpace(dur))
	if err != nil || d <= 0 {
		return fmt.Errorf("%s, got %q", want, n.Value)
	}
	*r = Rate{N: c, Per: d}
	return nil
}

// MarshalYAML writes the rate back as it is read.
func (r Rate) MarshalYAML() (any, error) {
	if r.N == 0 {
		return "0", nil
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per), nil
}
