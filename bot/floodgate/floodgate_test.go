package floodgate

import (
	"testing"
	"time"
)

// TestGate: five at once pass, the sixth gets the one warning, the rest of the burst is
// dropped; each person has a bucket of their own; a token back (2 s at 5/10s) lets one
// more through and a new burst earns a new warning.
func TestGate(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	g := New(5, 10*time.Second)
	g.now = func() time.Time { return now }
	var got []Verdict
	for range 8 {
		got = append(got, g.Check("irc:a@h"))
	}
	want := []Verdict{Allow, Allow, Allow, Allow, Allow, Warn, Drop, Drop}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("burst verdicts = %v, want %v", got, want)
		}
	}
	if v := g.Check("irc:b@h"); v != Allow {
		t.Fatalf("another person: %v, want Allow", v)
	}
	now = now.Add(2 * time.Second)
	if v := g.Check("irc:a@h"); v != Allow {
		t.Fatalf("after a token came back: %v, want Allow", v)
	}
	if v := g.Check("irc:a@h"); v != Warn {
		t.Fatalf("the next burst: %v, want a new warning", v)
	}
	now = now.Add(time.Hour)
	g.Check("irc:c@h")
	if _, ok := g.m["irc:a@h"]; ok {
		t.Fatalf("an idle person's bucket was kept")
	}
}

func TestNilGateAllows(t *testing.T) {
	var g *Gate = New(0, time.Second)
	for range 100 {
		if g.Check("x") != Allow {
			t.Fatal("a gate with no limit refused")
		}
	}
}
