package bot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"stagebot"
)

// closedLog tells closed about every adapter the bot logs as closed.
type closedLog struct{ closed chan string }

func (l closedLog) Enabled(context.Context, slog.Level) bool { return true }
func (l closedLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "adapter closed" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "adapter" {
				l.closed <- a.Value.String()
			}
			return true
		})
	}
	return nil
}
func (l closedLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l closedLog) WithGroup(string) slog.Handler      { return l }

// refusedAdapter is a network that refuses the bot's credential, once asked to.
type refusedAdapter struct {
	*fakeAdapter
	refuse chan error
}

func (r refusedAdapter) Run(ctx context.Context, in Inbox) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-r.refuse:
		return err
	}
}

// TestRefusedCredentialStopsTheBot: an adapter whose credential its network refused stops
// the whole bot, whatever other adapter still runs, and Run returns that error (the binary
// exits 3 on it); an adapter that merely closed (the console at EOF) does not.
func TestRefusedCredentialStopsTheBot(t *testing.T) {
	for _, c := range []struct {
		name  string
		err   error
		fatal bool
	}{
		{"refused credential", &CredentialError{Adapter: "net", Setting: "net.token", Err: errors.New("invalid_auth")}, true},
		{"a setting the network showed wrong", &ConfigError{Adapter: "net", Setting: "net.user", Err: errors.New("another user's token")}, true},
		{"closed", nil, false},
		{"another error", errors.New("gave up"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, db := newService(t, everyone, stagebot.Policy{})
			other := newFake("other") // runs until the bot stops it
			refused := refusedAdapter{newFake("net"), make(chan error, 1)}
			log := closedLog{make(chan string, 2)}
			b := New(Config{Service: svc, Outbox: db.Outbox(), Adapters: []Adapter{other, refused}, Log: slog.New(log)})
			keepCursors(t, db.Outbox(), other, refused)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- b.Run(ctx) }()
			<-other.inbox // running
			refused.refuse <- c.err
			if !c.fatal {
				if name := <-log.closed; name != "net" {
					t.Fatalf("%s closed", name)
				}
				select {
				case err := <-done:
					t.Fatalf("Run returned %v while another adapter runs", err)
				default:
				}
				cancel()
			}
			select {
			case err := <-done:
				if c.fatal && !errors.Is(err, c.err) {
					t.Fatalf("Run: %v, want the adapter's error %v", err, c.err)
				}
				if !c.fatal && err != nil {
					t.Fatalf("Run: %v, want nil once stopped", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}
