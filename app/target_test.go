package app

import (
	"testing"
	"time"

	"stagebot/config"
)

// TestTargetConfigCarriesTimeouts: the snakefruit section's timeouts reach the transport.
func TestTargetConfigCarriesTimeouts(t *testing.T) {
	var cfg config.Config
	cfg.Snakefruit.Timeout.Duration = 7 * time.Second
	cfg.Snakefruit.OpTimeout.Duration = 42 * time.Second
	tc := cfg.SnakefruitConfig()
	if tc.DialTimeout != 7*time.Second || tc.OpTimeout != 42*time.Second {
		t.Fatalf("targetConfig: dial timeout %v, op timeout %v; want 7s and 42s", tc.DialTimeout, tc.OpTimeout)
	}
}
