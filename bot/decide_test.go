package bot

import (
	"path/filepath"
	"testing"

	"stagebot"
	"stagebot/commands"
	"stagebot/storage"
	"stagebot/workflow"
)

// TestDecisionAnswers: a reaction whose outcome the workflow announced (progress short of
// the policy, the request approved) is not confirmed in the channel again: the room read
// the announcement. One it did not announce (an approval counted while the request is held)
// is confirmed there; a refusal goes to the actor alone.
func TestDecisionAnswers(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	for _, c := range []struct {
		name            string
		approvals       int
		held            bool
		actor           string
		public, private string
	}{
		{"short of the policy", 2, false, "bob", "", ""},
		{"approved and queued", 1, false, "bob", "", ""},
		{"approved while held", 1, true, "bob", "[1a2b3c4d] approval recorded; not queued for locking: held by alice: release notes (!unhold 1a2b3c4d)", ""},
		{"refused", 1, false, "alice", "", "refused: alice may not approve [1a2b3c4d]: it is their own request (no self-approval)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			svc := workflow.New(workflow.Config{DB: db, Policy: stagebot.Policy{Approvals: c.approvals},
				Team: stagebot.Team{Landing: []stagebot.Member{{Name: "alice"}, {Name: "bob"}}, Landers: []stagebot.Member{{Name: "alice"}}}})
			alice := stagebot.Identity{Network: stagebot.NetworkConsole, ID: "alice", Name: "alice"}
			r := &stagebot.Request{ID: id, Name: "com.example.foo", Version: "1.0", Arch: "all",
				Filename: "com.example.foo_1.0_all.click", SHA256: "ab", State: stagebot.StatePending,
				Requester: alice, RequesterKey: stagebot.MemberKey("alice")}
			if c.held {
				r.Hold = &stagebot.Hold{By: alice, Key: stagebot.MemberKey("alice"), Reason: "release notes"}
			}
			err = db.Update(func(tx *storage.Tx) error { return tx.PutRequest(r) })
			if err != nil {
				t.Fatal(err)
			}
			var public, private string
			b := New(Config{Service: svc, Commands: commands.NewRegistry("!", svc)})
			b.Decide(t.Context(), Decision{Actor: stagebot.Identity{Network: stagebot.NetworkConsole, ID: c.actor, Name: c.actor},
				RequestID: id, Verb: VerbApprove,
				Public:  func(text string) error { public = text; return nil },
				Private: func(text string) error { private = text; return nil }})
			if public != c.public || private != c.private {
				t.Fatalf("said %q in the channel and %q privately, want %q and %q", public, private, c.public, c.private)
			}
		})
	}
}
