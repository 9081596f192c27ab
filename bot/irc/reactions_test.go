package irc

import (
	"testing"

	"stagebot/bot"
)

func TestReactionVerb(t *testing.T) {
	for _, tc := range []struct {
		reaction string
		removed  bool
		want     bot.Verb
		ok       bool
	}{
		{"👍", false, bot.VerbApprove, true},
		{"👍🏽", false, bot.VerbApprove, true},
		{"✅", false, bot.VerbApprove, true},
		{"✔️", false, bot.VerbApprove, true},
		{"✔", false, bot.VerbApprove, true},
		{"+1", false, bot.VerbApprove, true},
		{"❌", false, bot.VerbReject, true},
		{"👍", true, bot.VerbWithdraw, true},
		{"❌", true, "", false},
		{"🎉", false, "", false},
		{"", false, "", false},
		{"-1", false, "", false},
	} {
		got, ok := reactionVerb(tc.reaction, tc.removed)
		if got != tc.want || ok != tc.ok {
			t.Errorf("reactionVerb(%q, %v) = %q, %v; want %q, %v", tc.reaction, tc.removed, got, ok, tc.want, tc.ok)
		}
	}
}
