package slack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"stagebot/bot"
	"stagebot/internal/backoff"
	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// testTimeout is the API timeout these tests give the adapter: short, so a call that never
// gets an answer fails quickly.
const testTimeout = 300 * time.Millisecond

func newTestAdapter(t *testing.T, fs *fakeslack.Server) *Adapter {
	t.Helper()
	a, err := New(Config{BotToken: fakeslack.BotToken, AppToken: fakeslack.AppToken, Channels: []string{"CSLOW"},
		APIURL: fs.APIURL(), APITimeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAPICallGivesUpAfterTimeout: a Web API call Slack never answers fails once the API
// timeout has passed, with an error saying so, instead of holding its lane for good.
func TestAPICallGivesUpAfterTimeout(t *testing.T) {
	for _, c := range []struct {
		method string
		call   func(ctx context.Context, a *Adapter) error
	}{
		{"chat.postMessage", func(ctx context.Context, a *Adapter) error {
			_, err := a.post(ctx, "CSLOW", "", "hello", nil, nil)
			return err
		}},
		{"chat.postEphemeral", func(ctx context.Context, a *Adapter) error {
			return a.ephemeral(ctx, "CSLOW", "U1", "", "hello")
		}},
		{"chat.update", func(ctx context.Context, a *Adapter) error {
			_, _, _, err := a.api.UpdateMessageContext(ctx, "CSLOW", "1.000001", slack.MsgOptionText("hello", false))
			return err
		}},
		{"views.publish", func(ctx context.Context, a *Adapter) error {
			_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1",
				View: slack.HomeTabViewRequest{Type: slack.VTHomeTab}})
			return err
		}},
		{"files.info", func(ctx context.Context, a *Adapter) error {
			_, _, err := a.open(ctx, "F1", "a.click")
			return err
		}},
	} {
		t.Run(c.method, func(t *testing.T) {
			fs := fakeslack.Start(t)
			fs.AddUser(fakeslack.User{ID: "U1", Name: "alice"})
			fs.Hold(c.method, "")
			a := newTestAdapter(t, fs)
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- c.call(context.Background(), a) }()
			select {
			case err := <-done:
				took := time.Since(start)
				if err == nil || !strings.Contains(err.Error(), "no answer within "+testTimeout.String()) {
					t.Errorf("%s held by Slack: err %v, want no answer within %s", c.method, err, testTimeout)
				}
				if took < testTimeout {
					t.Errorf("%s gave up after %s, before the timeout (%s)", c.method, took, testTimeout)
				}
				t.Logf("%s gave up after %s", c.method, took)
			case <-time.After(testenv.Wait):
				t.Fatalf("%s held by Slack still waits after %s, with a timeout of %s", c.method, testenv.Wait, testTimeout)
			}
			fs.Await(testenv.Wait, "the call given up on", func(v fakeslack.View) bool { return v.Held(c.method, "") == 0 })
		})
	}
}

// TestReconnectPacingIsNotCountedAsTheCall: the reconnect gate's wait before an
// apps.connections.open may be far longer than the API timeout; the call after it still
// gets its whole timeout.
func TestReconnectPacingIsNotCountedAsTheCall(t *testing.T) {
	fs := fakeslack.Start(t)
	a := newTestAdapter(t, fs)
	pace := 3 * testTimeout
	a.gate.pace.Policy = backoff.Policy{Min: pace, Max: pace}
	a.gate.pace.FreeFirst = false
	a.gate.opens.Store(1) // past the first connection, which is not paced
	start := time.Now()
	if _, _, err := a.api.StartSocketModeContext(context.Background()); err != nil {
		t.Fatalf("apps.connections.open after the pacing: %v", err)
	}
	if took := time.Since(start); took < pace {
		t.Errorf("apps.connections.open returned after %s, before the pacing (%s)", took, pace)
	}
}

// TestDownloadOutlastsTheAPITimeout: a file download taking longer than an API call may is
// read whole: only its answer's headers are bounded by the API timeout.
func TestDownloadOutlastsTheAPITimeout(t *testing.T) {
	fs := fakeslack.Start(t)
	content := bytes.Repeat([]byte("c"), 4*32<<10)
	fs.AddFile(fakeslack.File{ID: "F1", Name: "a.click", Content: content, Trickle: testTimeout / 2})
	a := newTestAdapter(t, fs)
	start := time.Now()
	body, _, err := a.open(context.Background(), "F1", "a.click")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, err := io.ReadAll(body)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("download: %d of %d bytes, %v", len(got), len(content), err)
	}
	if took := time.Since(start); took < testTimeout {
		t.Errorf("the download took %s, not longer than the API timeout (%s): the test proves nothing", took, testTimeout)
	}
}

// TestCallersDeadlineIsNotCalledATimeout: a call whose caller gave up first fails with the
// caller's own reason, not as Slack failing to answer.
func TestCallersDeadlineIsNotCalledATimeout(t *testing.T) {
	fs := fakeslack.Start(t)
	release := fs.Hold("auth.test", "")
	client := &http.Client{Transport: timeoutTransport{next: http.DefaultTransport, after: time.Minute}}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fs.APIURL()+"auth.test", nil)
	_, err := client.Do(req)
	if err == nil || strings.Contains(err.Error(), "no answer within") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call its caller gave up on: %v, want the caller's own deadline", err)
	}
	release()
}

// heard is a bot.Inbox that passes on the text of each message it is given.
type heard chan string

func (h heard) Message(_ context.Context, m bot.Inbound) { h <- m.Text }
func (heard) Decision(context.Context, bot.Decision)     {}

// TestSocketOutlivesTheAPITimeout: the Socket Mode connection is no Web API call: one that
// stays up for several API timeouts is still the first connection, and still delivers.
func TestSocketOutlivesTheAPITimeout(t *testing.T) {
	fs := fakeslack.Start(t)
	fs.AddUser(fakeslack.User{ID: "U1", Name: "alice"})
	a := newTestAdapter(t, fs)
	h := make(heard, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	fs.Await(testenv.Wait, "the socket", func(v fakeslack.View) bool { return v.Connected() })
	// The connection's age is what is tested: a wait no event can stand in for.
	time.Sleep(4 * testTimeout)
	fs.Say("CSLOW", "U1", "!status")
	select {
	case got := <-h:
		if got != "!status" {
			t.Errorf("heard %q", got)
		}
	case <-time.After(testenv.Wait):
		t.Fatal("a message after several API timeouts never reached the handler")
	}
	fs.Read(func(v fakeslack.View) {
		if n := v.Connections(); n != 1 {
			t.Errorf("%d socket connections, want the first one still up", n)
		}
	})
}
