package bot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

// The first refusal is the one kept and returned; each ends the armed run; before any,
// Err is a nil error (not a typed nil that a caller's err != nil would take for one).
func TestRefusal(t *testing.T) {
	var r Refusal
	if err := r.Err(); err != nil {
		t.Fatalf("Err before any refusal = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.Arm(cancel)
	first := &CredentialError{Adapter: "x", Setting: "x.token", Err: errors.New("invalid_auth")}
	r.Refuse(slog.New(slog.DiscardHandler), "refused", first)
	if ctx.Err() == nil {
		t.Fatal("the refusal did not end the run")
	}
	r.Refuse(slog.New(slog.DiscardHandler), "refused", &CredentialError{Adapter: "x", Setting: "x.other", Err: errors.New("later")})
	var got *CredentialError
	if err := r.Err(); !errors.As(err, &got) || got != first {
		t.Fatalf("Err = %v, want the first refusal", err)
	}
}
