package wake

import "testing"

// TestSignalCoalesces: signals never block, and however many come while the reader is
// away, it wakes once.
func TestSignalCoalesces(t *testing.T) {
	c := make(chan struct{}, 1)
	for range 3 {
		Signal(c)
	}
	<-c
	select {
	case <-c:
		t.Fatal("three signals woke the reader twice")
	default:
	}
	Signal(c)
	select {
	case <-c:
	default:
		t.Fatal("a signal after the reader woke was lost")
	}
}
