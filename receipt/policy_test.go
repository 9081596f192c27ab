package receipt_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"stagebot"
	"stagebot/receipt"
)

// TestPolicyDocument pins the exact text a policy hash is taken of, as the README tells a
// verifier to rebuild it: RFC 8785 canonical JSON, lists sorted, approvals at least 1.
func TestPolicyDocument(t *testing.T) {
	team := stagebot.Team{
		Landing: []stagebot.Member{{Name: "sil2100", IRC: "account:sil2100", Slack: "U0LANDING"}, {Name: "ogra", IRC: "ogra!*@canonical/ogra"}},
		Landers: []stagebot.Member{{Name: "*"}},
	}
	const want = `{"policy":{"approvals":1,"qa_signoff":false,"self_approval":true},` +
		`"team":{"landers":[{"name":"*"}],` +
		`"landing":[{"irc":"account:sil2100","name":"sil2100","slack":"U0LANDING"},{"irc":"ogra!*@canonical/ogra","name":"ogra"}],` +
		`"qa":[]}}`
	doc, err := receipt.PolicyDocument(stagebot.Policy{Approvals: 0, SelfApproval: true}, team)
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != want {
		t.Fatalf("document\n%s\nwant\n%s", doc, want)
	}
	p, err := receipt.PolicyOf(stagebot.Policy{Approvals: 0, SelfApproval: true}, team)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(want))
	if p.Hash != hex.EncodeToString(sum[:]) || p.Approvals != 1 || !p.SelfApproval || p.QASignoff {
		t.Fatalf("policy %+v, want hash %x of the document and approvals 1", p, sum)
	}
}

// TestPolicyHash: the hash follows who is allowed and what is needed, not how the config
// orders its lists nor the reminder and expiry times.
func TestPolicyHash(t *testing.T) {
	base := stagebot.Policy{Approvals: 2, QASignoff: true, RemindAfter: 4 * time.Hour}
	team := stagebot.Team{
		Landing: []stagebot.Member{{Name: "a", IRC: "account:a"}, {Name: "b", Slack: "U0B"}},
		QA:      []stagebot.Member{{Name: "q", IRC: "q!*@canonical/*"}},
		Landers: []stagebot.Member{{Name: "*"}},
	}
	hash := func(p stagebot.Policy, tm stagebot.Team) string {
		t.Helper()
		got, err := receipt.PolicyOf(p, tm)
		if err != nil {
			t.Fatal(err)
		}
		return got.Hash
	}
	want := hash(base, team)
	with := func(change func(*stagebot.Policy, *stagebot.Team)) (stagebot.Policy, stagebot.Team) {
		p, tm := base, stagebot.Team{
			Landing: append([]stagebot.Member(nil), team.Landing...),
			QA:      append([]stagebot.Member(nil), team.QA...),
			Landers: append([]stagebot.Member(nil), team.Landers...),
		}
		change(&p, &tm)
		return p, tm
	}
	tests := []struct {
		name   string
		change func(*stagebot.Policy, *stagebot.Team)
		same   bool
	}{
		{"landing listed in another order", func(_ *stagebot.Policy, tm *stagebot.Team) {
			tm.Landing[0], tm.Landing[1] = tm.Landing[1], tm.Landing[0]
		}, true},
		{"another reminder and expiry", func(p *stagebot.Policy, _ *stagebot.Team) { p.RemindAfter, p.ExpireAfter = time.Hour, time.Hour }, true},
		{"one approval fewer", func(p *stagebot.Policy, _ *stagebot.Team) { p.Approvals = 1 }, false},
		{"no QA sign-off", func(p *stagebot.Policy, _ *stagebot.Team) { p.QASignoff = false }, false},
		{"self-approval allowed", func(p *stagebot.Policy, _ *stagebot.Team) { p.SelfApproval = true }, false},
		{"an approver added", func(_ *stagebot.Policy, tm *stagebot.Team) {
			tm.Landing = append(tm.Landing, stagebot.Member{Name: "c", IRC: "account:c"})
		}, false},
		{"an approver's hostmask widened", func(_ *stagebot.Policy, tm *stagebot.Team) { tm.QA[0].IRC = "q!*@*" }, false},
		{"an approver moved to QA", func(_ *stagebot.Policy, tm *stagebot.Team) {
			tm.QA = append(tm.QA, tm.Landing[1])
			tm.Landing = tm.Landing[:1]
		}, false},
		{"landers narrowed", func(_ *stagebot.Policy, tm *stagebot.Team) { tm.Landers = []stagebot.Member{{Name: "lander"}} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hash(with(tt.change)); (got == want) != tt.same {
				t.Fatalf("hash %s, base %s: same=%v, want same=%v", got, want, got == want, tt.same)
			}
		})
	}
}

// TestPolicyDocumentStrings: names are written as RFC 8785 writes strings, which is not
// how encoding/json writes them (it escapes <, >, &, U+2028 and U+2029).
func TestPolicyDocumentStrings(t *testing.T) {
	team := stagebot.Team{Landers: []stagebot.Member{{Name: "a<b>&c\u2028\"\\\x01\n\t\u00e9"}}}
	doc, err := receipt.PolicyDocument(stagebot.Policy{Approvals: 1}, team)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"policy":{"approvals":1,"qa_signoff":false,"self_approval":false},"team":{"landers":[{"name":"a<b>&c` + "\u2028" + `\"\\\u0001\n\t` + "\u00e9" + `"}],"landing":[],"qa":[]}}`
	if string(doc) != want {
		t.Fatalf("document\n%q\nwant\n%q", doc, want)
	}
}
