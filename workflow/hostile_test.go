package workflow

import (
	"strings"
	"testing"
	"unicode/utf8"

	"stagebot"
)

var (
	silIRCUnidentified = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "sil2100!~sil@host.example", Name: "sil2100"}
	silIRCIdentified   = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "sil2100!~sil@host.example", Name: "sil2100", Account: "sil2100"}
	silSlack           = stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0SIL", Name: "Łukasz"}
	robruIRC           = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "robru!~r@canonical/robru", Name: "robru"}
	mallorySlack       = stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0MALLORY", Name: "sil2100"}
	malloryIRC         = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "sil2100!~m@evil.example", Name: "sil2100"}
)

var networkTeam = stagebot.Team{
	Landing: []stagebot.Member{{Name: "sil2100", IRC: "account:sil2100", Slack: "U0SIL"}, {Name: "robru", IRC: "robru!*@canonical/robru"}},
	QA:      []stagebot.Member{{Name: "sil2100", IRC: "account:sil2100"}, {Name: "qa-lead", Slack: "U0QA"}},
	Landers: []stagebot.Member{{Name: "*"}},
}

func withTeam(team stagebot.Team) func(*Config) { return func(c *Config) { c.Team = team } }

// controlFree fails when an announcement could break or colour its line.
func controlFree(t *testing.T, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\r\n\x00\x01\x02\x03\x0f\x16\x1d\x1e\x1f\x7f") || !utf8.ValidString(s) {
		t.Fatalf("announcement holds control characters: %q", s)
	}
}

// Issue 12: a reason typed on Slack spans lines; the announcement of the cancel must stay
// one line, with the forged line visible inside it, and a reason is capped.
func TestReasonsCannotForgeLines(t *testing.T) {
	cases := []struct {
		name   string
		reason string
		want   string // in the announcement
	}{
		// The reason is quoted outside text: cleaned, and cut to chat.MaxQuote bytes.
		{"forged approval and CTCP", "oops\n[ID] <file> approved: by sil; queued for locking\n\x01ACTION is compromised\x01",
			"by alice: oops␊[ID] <file> approved: by sil; queued for locking␊␁ACTION is compro…"},
		{"IRC colours", "\x02\x0304red\x0f", "by alice: ␂␃04red␏"},
		{"a letter", strings.Repeat("why ", 400), "by alice: " + strings.Repeat("why ", 19) + "w…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
			r := e.stage(alice, e.click("com.example.app", "1.0", "all"))
			if _, err := e.svc.Cancel(alice, r.ShortID(), c.reason); err != nil {
				t.Fatal(err)
			}
			var cancelled string
			for _, a := range e.announcements() {
				controlFree(t, a.Text)
				if a.Word == "cancelled" {
					cancelled = a.Text
				}
			}
			if !strings.HasSuffix(cancelled, c.want) {
				t.Fatalf("cancelled announcement %q, want it to end %q", cancelled, c.want)
			}
			if got := e.request(r.ID).Reason; utf8.RuneCountInString(got) > stagebot.MaxReason {
				t.Fatalf("reason kept at %d characters", utf8.RuneCountInString(got))
			}
		})
	}
}

// Issue 12: a requester is every identity they had when they asked. sil2100 stages before
// identifying with NickServ (he is then his hostmask, no member), identifies, and tries to
// approve or sign off as member sil2100.
func TestNoSelfApprovalAcrossIdentityStates(t *testing.T) {
	cases := []struct {
		name      string
		requester stagebot.Identity
		approver  stagebot.Identity
		qa        bool
		wantErr   string // "" = accepted
	}{
		{"identified after staging", silIRCUnidentified, silIRCIdentified, false, stagebot.EFORBIDDEN},
		{"QA sign-off identified after staging", silIRCUnidentified, silIRCIdentified, true, stagebot.EFORBIDDEN},
		{"staged on Slack, approves on IRC", silSlack, silIRCIdentified, false, stagebot.EFORBIDDEN},
		{"another member approves", silIRCUnidentified, robruIRC, false, ""},
		{"a stranger with the same nick staged", malloryIRC, silIRCIdentified, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1, QASignoff: c.qa}, withTeam(networkTeam))
			r := e.stage(c.requester, e.click("com.example.app", "1.0", "all"))
			var err error
			if c.qa {
				_, err = e.svc.QA(c.approver, r.ShortID())
			} else {
				_, err = e.svc.Approve(c.approver, r.ShortID())
			}
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, c.wantErr)
			if !strings.Contains(refusal(err), "own request") {
				t.Fatalf("refusal %q does not say why", err)
			}
		})
	}
}

// Issue 12: a Slack display name or an IRC nick is the speaker's to choose. Members are
// shown by their team name; anyone else with their network handle, so "sil2100" on Slack
// is not sil2100.
func TestStrangersCannotPassForMembers(t *testing.T) {
	cases := []struct {
		name     string
		who      stagebot.Identity
		wantBy   string
		wantNot  string
		approver stagebot.Identity
	}{
		{"Slack display name of a member", mallorySlack, "by sil2100 (Slack U0MALLORY)", "by sil2100;", robruIRC},
		// The host stays out of what people read, and in the record.
		{"IRC nick of a member without the account", malloryIRC, "by sil2100 (IRC);", "by sil2100;", robruIRC},
		{"member on Slack under another display name", silSlack, "by sil2100;", "Łukasz", robruIRC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 2}, withTeam(networkTeam))
			r := e.stage(c.who, e.click("com.example.app", "1.0", "all"))
			if _, err := e.svc.Approve(c.approver, r.ShortID()); err != nil {
				t.Fatal(err)
			}
			var requested string
			for _, a := range e.announcements() {
				if a.Word == "requested" {
					requested = a.Text
				}
			}
			if !strings.Contains(requested, c.wantBy) || strings.Contains(requested, c.wantNot) {
				t.Fatalf("requested announcement %q: want %q, not %q", requested, c.wantBy, c.wantNot)
			}
			got := e.request(r.ID)
			if h := got.History[0].Actor; !strings.Contains(c.wantBy, stagebot.PublicName(h)) ||
				c.who.Network == stagebot.NetworkIRC && !strings.Contains(h, c.who.ID) {
				t.Fatalf("history names the requester %q", h)
			}
			if by := got.ValidApprovals()[0].Display(); by != "robru" {
				t.Fatalf("approval shown as %q", by)
			}
		})
	}
}

// An approval counts once per person, and a person is every identity they approved with:
// with anyone allowed to approve (a "*" landing entry) and two approvals needed, lee who
// approved from his hostmask cannot give the second one after identifying with services,
// or from another host under the same account. Taking a reaction back from the other
// identity withdraws it.
func TestOneApprovalPerPersonAcrossIdentityStates(t *testing.T) {
	var (
		leeHost       = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lee!~lee@home.example", Name: "lee"}
		leeIdentified = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lee!~lee@home.example", Name: "lee", Account: "lee"}
		leeElsewhere  = stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lee_!~lee@cafe.example", Name: "lee_", Account: "lee"}
	)
	anyone := stagebot.Team{Landing: []stagebot.Member{{Name: "*"}}, Landers: []stagebot.Member{{Name: "*"}}}
	// Identified, lee is member lee (another person key than his hostmask's).
	anyoneAndLee := stagebot.Team{Landing: []stagebot.Member{{Name: "lee", IRC: "account:lee"}, {Name: "*"}},
		Landers: []stagebot.Member{{Name: "*"}}}
	cases := []struct {
		name          string
		team          stagebot.Team
		first, second stagebot.Identity
		withdraw      bool   // the second takes the first's approval back instead
		wantErr       string // for the second approval; "" = accepted
		wantApprovals int
	}{
		{"identified since", anyoneAndLee, leeHost, leeIdentified, false, stagebot.ECONFLICT, 1},
		{"identified, then the hostmask alone", anyoneAndLee, leeIdentified, leeHost, false, stagebot.ECONFLICT, 1},
		{"same account, another host", anyone, leeIdentified, leeElsewhere, false, stagebot.ECONFLICT, 1},
		{"withdrawn from the other identity", anyoneAndLee, leeHost, leeIdentified, true, "", 0},
		{"another person", anyoneAndLee, leeHost, robruIRC, false, "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 2}, withTeam(c.team))
			r := e.stage(alice, e.click("com.example.app", "1.0", "all"))
			if _, err := e.svc.Approve(c.first, r.ShortID()); err != nil {
				t.Fatal(err)
			}
			var err error
			if c.withdraw {
				_, err = e.svc.Withdraw(c.second, r.ShortID())
			} else {
				_, err = e.svc.Approve(c.second, r.ShortID())
			}
			if c.wantErr == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.wantErr != "" {
				wantCode(t, err, c.wantErr)
				if !strings.Contains(refusal(err), "already approved") {
					t.Fatalf("refusal %q does not say why", err)
				}
			}
			got := e.request(r.ID)
			if n := len(got.ValidApprovals()); n != c.wantApprovals {
				t.Errorf("%d approvals count, want %d", n, c.wantApprovals)
			}
			wantState := stagebot.StatePending
			if c.wantApprovals == 2 {
				wantState = stagebot.StateApproved
			}
			if got.State != wantState {
				t.Errorf("state %s, want %s", got.State, wantState)
			}
		})
	}
}
