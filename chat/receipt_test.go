package chat

import (
	"strings"
	"testing"

	"stagebot"
)

// TestLockedSaysReceipt: the locked announcement says a signed receipt was kept exactly
// when the event says one was made, whatever the lock placed; it stays one line.
func TestLockedSaysReceipt(t *testing.T) {
	const words = "signed receipt kept"
	ref := &stagebot.RequestRef{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click", State: stagebot.StateLocked}
	r := Renderer{Prefix: "!"}
	for _, placed := range []stagebot.Placement{stagebot.PlacedNew, stagebot.PlacedReplacing, stagebot.PlacedPersonsLine} {
		for _, receipt := range []bool{false, true} {
			e := stagebot.Event{Kind: stagebot.EventState, State: stagebot.StateLocked, Why: stagebot.WhyLocked, Request: ref,
				Placed: placed, Replaces: "x_0.9_all.click", Receipt: receipt}
			got := Plain(r.Event(e), r.Prefix)
			if strings.Contains(got, words) != receipt {
				t.Errorf("placed %s, receipt %v: %q", placed, receipt, got)
			}
			if !strings.HasPrefix(got, "[1a2b3c4d] x_1_all.click locked: ") || strings.Contains(got, "\n") {
				t.Errorf("placed %s, receipt %v: not one locked line: %q", placed, receipt, got)
			}
		}
	}
}
