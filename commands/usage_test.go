package commands

import (
	"testing"

	"stagebot"
	"stagebot/workflow"
)

// usageWordsService refuses an approval in words that begin like a usage line.
type usageWordsService struct{ readService }

func (*usageWordsService) Approve(stagebot.Identity, string) (*workflow.Outcome, error) {
	return nil, stagebot.Errorf(stagebot.EINVALID, "usage of 1a2b is not allowed")
}

// TestUsageReplies: a command given without what it needs answers with its usage line
// alone; anything else that fails is a refusal, whatever its words, since a usage error is
// told apart by its type.
func TestUsageReplies(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"approve", "usage: !approve ID"},
		{"qa", "usage: !qa ID"},
		{"reject", "usage: !reject ID [reason]"},
		{"unhold", "usage: !unhold ID"},
		{"stage", "usage: !stage FILE.click | URL (or attach a .click)"},
		{"history", "usage: !history PACKAGE"},
		{"promote", "usage: !promote IMAGE"},
		{"phasing most", "usage: !phasing PERCENT (0 to 100)"},
		{"help frob", "usage: !help [command]; there is no command frob"},
		{"approve 1a2b", "refused: usage of 1a2b is not allowed"},
	} {
		t.Run(c.line, func(t *testing.T) {
			out := NewRegistry("!", &usageWordsService{}).Exec(t.Context(), &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}}, c.line)
			if out.Reply != c.want || out.Done {
				t.Fatalf("reply %q (done %v), want %q, not done", out.Reply, out.Done, c.want)
			}
		})
	}
}
