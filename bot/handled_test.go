package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot/floodgate"
	"stagebot/chat"
	"stagebot/intake"
)

// heard collects what Config.Handled hears and what the core logs, in JSON.
type heard struct {
	mu  sync.Mutex
	got []Handled
	log bytes.Buffer
}

func (h *heard) handled(x Handled) { h.mu.Lock(); h.got = append(h.got, x); h.mu.Unlock() }

func (h *heard) Write(p []byte) (int, error) { h.mu.Lock(); defer h.mu.Unlock(); return h.log.Write(p) }

func (h *heard) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(h, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records are the "command" records logged, each as its fields.
func (h *heard) records(t *testing.T) []map[string]any {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if rec["msg"] == "command" {
			out = append(out, rec)
		}
	}
	return out
}

// TestDecisionsAreHandledCommands: a reaction or a button is a command like a typed one:
// one log line (who, the command it stands for, via, the request, the outcome and the
// refusal's code) and one Handled each, refused ones included.
func TestDecisionsAreHandledCommands(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	svc, db := newService(t, twoLanders, stagebot.Policy{Approvals: 1})
	putPending(t, db, id, false)
	var h heard
	b := New(Config{Service: svc, Outbox: db.Outbox(), Renderer: chat.Renderer{Prefix: "!"}, Handled: h.handled, Log: h.logger()})
	in := inboxOf(b, "test")
	var s said
	for _, d := range []Decision{
		{Author: person("alice"), RequestID: id, Verb: VerbApprove}, // her own request
		{Author: person("bob"), RequestID: id, Verb: VerbApprove},
		{Author: person("alice"), RequestID: id, Verb: VerbWithdraw}, // a reaction that never counted
	} {
		in.Decision(t.Context(), s.decision(d))
		b.lanes.wait()
	}
	want := []Handled{
		{Command: "approve", Known: true, Who: "console:alice", Via: ViaDecision, Request: id, Outcome: OutcomeRefused, Code: stagebot.EFORBIDDEN},
		{Command: "approve", Known: true, Who: "console:bob", Via: ViaDecision, Request: id, Outcome: OutcomeOK},
		{Command: "withdraw", Known: true, Who: "console:alice", Via: ViaDecision, Request: id, Outcome: OutcomeRefused, Code: stagebot.ECONFLICT},
	}
	if !slices.Equal(h.got, want) {
		t.Fatalf("Handled heard\n%+v\nwant\n%+v", h.got, want)
	}
	recs := h.records(t)
	if len(recs) != len(want) {
		t.Fatalf("%d command lines, want %d: %v", len(recs), len(want), recs)
	}
	for i, w := range want {
		r := recs[i]
		code, _ := r["code"].(string)
		if r["level"] != "INFO" || r["who"] != w.Who || r["command"] != w.Command || r["via"] != w.Via ||
			r["id"] != stagebot.ShortID(w.Request) || r["outcome"] != w.Outcome || code != w.Code {
			t.Errorf("line %d: %v, want %+v", i, r, w)
		}
	}
}

// TestDroppedAndFailedCommandsAreHandled: a command dropped past the person's limit is
// counted as refused ("limited"), but logged at debug only; a !stage whose attachments
// could not be looked up is refused with the lookup's code.
func TestDroppedAndFailedCommandsAreHandled(t *testing.T) {
	var h heard
	b := New(Config{Commands: newStub(), Limit: floodgate.New(1, time.Hour), Renderer: chat.Renderer{Prefix: "!"},
		Handled: h.handled, Log: h.logger()})
	in := inboxOf(b, "net")
	alice, bob := ircPerson("alice"), ircPerson("bob")
	r := newReplies()
	ctx := context.Background()
	for range 3 {
		in.Message(ctx, r.msg(alice, "!approve 1"))
	}
	m := r.msg(bob, "!stage")
	m.Attach = func(context.Context) ([]intake.Source, error) {
		return nil, stagebot.Errorf(stagebot.ENOTFOUND, "no such file")
	}
	in.Message(ctx, m)
	b.background.Wait()
	b.lanes.wait()

	h.mu.Lock()
	got := slices.Clone(h.got)
	h.mu.Unlock()
	count := func(who, code string) int {
		return len(slices.DeleteFunc(slices.Clone(got), func(x Handled) bool { return x.Who != who || x.Code != code }))
	}
	aliceWho := string(alice.Who())
	if ok, limited := count(aliceWho, ""), count(aliceWho, codeLimited); ok != 1 || limited != 2 {
		t.Errorf("alice: %d ok and %d limited, want 1 and 2: %+v", ok, limited, got)
	}
	if n := count(string(bob.Who()), stagebot.ENOTFOUND); n != 1 {
		t.Errorf("bob's stage handled %d times as not_found, want 1: %+v", n, got)
	}
	for _, x := range got {
		if x.Code == codeLimited && x.Outcome != OutcomeRefused {
			t.Errorf("a dropped command counted as %q", x.Outcome)
		}
	}
	for _, rec := range h.records(t) {
		if rec["code"] == codeLimited && rec["level"] != "DEBUG" {
			t.Errorf("a dropped command logged at %v: %v", rec["level"], rec)
		}
	}
}

// TestOutcomeOfCodes: a refusal is the asker's to fix; an internal error is the bot's.
func TestOutcomeOfCodes(t *testing.T) {
	for code, want := range map[string]string{
		"": OutcomeOK, stagebot.EFORBIDDEN: OutcomeRefused, stagebot.EINVALID: OutcomeRefused,
		codeLimited: OutcomeRefused, stagebot.EINTERNAL: OutcomeError,
		stagebot.ErrorCode(errors.New("disk on fire")): OutcomeError,
	} {
		if got := outcome(code); got != want {
			t.Errorf("outcome(%q) = %q, want %q", code, got, want)
		}
	}
}
