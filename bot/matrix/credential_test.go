package matrix_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/bot"
	"stagebot/bot/matrix"
	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// memory is a bot.Memory in a map.
type memory struct {
	mu sync.Mutex
	m  map[string]string
}

func (m *memory) Get(k string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[k], nil
}

func (m *memory) Put(k, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[k] = v
	return nil
}

func (m *memory) Delete(k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, k)
	return nil
}

// nobody is a bot.Inbox that takes nothing in.
type nobody struct{}

func (nobody) Message(context.Context, bot.Inbound)   {}
func (nobody) Decision(context.Context, bot.Decision) {}

// run runs the adapter alone as user with token on homeserver in the landing room, and
// returns what Run returned, or fails the test if it has not returned within the wait.
func (w *world) run(homeserver, user, token string, meanwhile func(a *matrix.Adapter)) error {
	w.t.Helper()
	a, err := matrix.New(matrix.Config{Homeserver: homeserver, UserID: user, AccessToken: token, Rooms: []string{w.alias},
		Memory: &memory{}})
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nobody{}) }()
	if meanwhile != nil {
		meanwhile(a)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(bottest.Wait):
		w.t.Fatal("Run did not stop")
		return nil
	}
}

// TestRefusedTokenIsFatal: a token the homeserver refuses, at start or while the bot runs,
// ends Run with a *bot.CredentialError naming matrix.access_token, which is never retried:
// M_UNKNOWN_TOKEN (a logged-out token, as Dendrite answers it) and M_USER_DEACTIVATED.
// A token of another user than user_id ends it with a *bot.ConfigError naming
// matrix.user_id.
func TestRefusedTokenIsFatal(t *testing.T) {
	w := newWorld(t)

	t.Run("logged out before the start", func(t *testing.T) {
		token := w.s.Login(t, w.name("stagebot"), "password-of-the-bot")
		w.s.Logout(t, token)
		refused(t, w.run(w.s.URL, w.botID, token, nil), "M_UNKNOWN_TOKEN")
	})

	t.Run("logged out while running", func(t *testing.T) {
		token := w.s.Login(t, w.name("stagebot"), "password-of-the-bot")
		front := w.s.Front(t)
		err := w.run(front.URL, w.botID, token, func(a *matrix.Adapter) {
			deadline := time.Now().Add(bottest.Wait)
			for !a.Connected() && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			w.s.Logout(t, token)
		})
		refused(t, err, "M_UNKNOWN_TOKEN")
		n := len(front.Requests(func(r dendritetest.Request) bool { return r.Status == http.StatusUnauthorized }))
		if n != 1 {
			t.Errorf("%d requests refused with 401: a refused token was tried again", n)
		}
	})

	t.Run("deactivated", func(t *testing.T) {
		front := w.s.Front(t)
		front.Inject(dendritetest.Fault{Match: dendritetest.Endpoint(http.MethodGet, "/account/whoami"),
			Reply: dendritetest.Refusal(http.StatusForbidden, "M_USER_DEACTIVATED", "This account has been deactivated")})
		refused(t, w.run(front.URL, w.botID, w.botToken, nil), "M_USER_DEACTIVATED")
	})

	t.Run("another user's token", func(t *testing.T) {
		err := w.run(w.s.URL, w.botID, w.alice.Token, nil)
		var wrong *bot.ConfigError
		if !errors.As(err, &wrong) || wrong.Setting != "matrix.user_id" {
			t.Fatalf("Run = %v, want a *bot.ConfigError for matrix.user_id", err)
		}
	})
}

func refused(t *testing.T, err error, code string) {
	t.Helper()
	var ce *bot.CredentialError
	if !errors.As(err, &ce) || ce.Setting != "matrix.access_token" || ce.Adapter != "matrix" {
		t.Fatalf("Run = %v, want a *bot.CredentialError for matrix.access_token", err)
	}
	if !strings.Contains(err.Error(), code) {
		t.Errorf("the error does not say %s: %v", code, err)
	}
}
