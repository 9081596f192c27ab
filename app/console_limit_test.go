package app_test

import (
	"testing"

	"stagebot/internal/bottest"
)

// TestConsoleIsNotLimited: the console is one trusted operator; limits.commands, however
// tight, does not drop what it types.
func TestConsoleIsNotLimited(t *testing.T) {
	b := bottest.Start(t, "limits: {commands: 1/1m}\n")
	for range 20 {
		b.Say("alice> !status")
	}
	for range 20 {
		b.WaitFor(`^alice: `)
	}
	b.Stop()
	if n := b.Count(`(?i)slow down`); n != 0 {
		t.Errorf("%d slow-down lines on the console", n)
	}
}
