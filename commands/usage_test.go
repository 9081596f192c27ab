package commands

import (
	"strings"
	"testing"

	"stagebot"
)

// usageWordsService refuses an approval in words that begin like a usage line.
type usageWordsService struct{ readService }

func (*usageWordsService) Approve(stagebot.Identity, string) (*stagebot.Outcome, error) {
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
		{"promote", "usage: !promote IMAGE (the image's number)"},
		{"promote abc", "usage: !promote IMAGE (the image's number)"},
		{"phasing most", "usage: !phasing PERCENT (0 to 100)"},
		{"help frob", "unknown command !frob; !help lists the commands"},
		{"help aprove", "unknown command !aprove; did you mean !approve? !help lists the commands"},
		{"approve 1a2b", "refused: usage of 1a2b is not allowed"},
	} {
		t.Run(c.line, func(t *testing.T) {
			r := NewRegistry("!", &usageWordsService{})
			env := &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}}
			out := r.Exec(t.Context(), env, c.line)
			if got := say(r, env, c.line); got != c.want || (out.Done && !strings.HasPrefix(c.line, "help")) {
				t.Fatalf("reply %q (done %v), want %q, not done", got, out.Done, c.want)
			}
		})
	}
}
