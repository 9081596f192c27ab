package bot

import (
	"path/filepath"
	"testing"

	"stagebot"
	"stagebot/commands"
	"stagebot/storage"
	"stagebot/workflow"
)

// TestDecisionAnswers: a reaction's approval short of the policy is confirmed in the
// channel; one that approves the request is not, since the `approved` announcement says so;
// a refusal goes to the actor alone.
func TestDecisionAnswers(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	for _, c := range []struct {
		name            string
		approvals       int
		actor           string
		public, private string
	}{
		{"short of the policy", 2, "bob", "[1a2b3c4d] approval recorded; still waiting for 1 more landing-team approval(s)", ""},
		{"approved and queued", 1, "bob", "", ""},
		{"refused", 1, "alice", "", "refused: alice may not approve [1a2b3c4d]: it is their own request (no self-approval)"},
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
			err = db.Update(func(tx *storage.Tx) error {
				return tx.PutRequest(&stagebot.Request{ID: id, Name: "com.example.foo", Version: "1.0", Arch: "all",
					Filename: "com.example.foo_1.0_all.click", SHA256: "ab", State: stagebot.StatePending,
					Requester: alice, RequesterKey: stagebot.MemberKey("alice")})
			})
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
