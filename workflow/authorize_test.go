package workflow

import (
	"fmt"
	"strings"
	"testing"

	"stagebot"
)

// The table below says who may do what to a request in which situation. Each row covers a
// set of cases (actions × the actor's role × the actor's relation to the request's people ×
// the request's situation × the self-approval policy); TestAuthorize runs every case there
// is, checks that exactly one row covers it, and that authorize answers what the row says:
// allowed, or the very refusal users read.

// relation is how the actor stands to the people of the request: who asked for it, who
// approved it. Each is a real way two identities turn out to be one person.
type relation string

const (
	stranger relation = "stranger" // neither asked for it nor approved it

	// The requester again (what no self-approval is about).
	requesterMember   relation = "requester, same member"   // asked on IRC as member sil; now on Slack
	requesterAccount  relation = "requester, same account"  // asked as sil, services account sil; now as sil_ elsewhere, same account
	requesterHostmask relation = "requester, same hostmask" // asked before identifying; now identified as member sil, same hostmask
	requesterSlack    relation = "requester, same Slack user"

	// An approver again: an approval counts once per person, known by any identity they
	// approved with (Approval.Keys), as a requester is.
	approverMember     relation = "approver, same member" // approved on IRC as member lee; now on Slack
	approverHostmask   relation = "approver, same hostmask"
	approverSlack      relation = "approver, same Slack user"
	approverAccount    relation = "approver, same account, other hostmask"    // not a member: another person key, the same account
	approverIdentified relation = "approver, same hostmask, identified since" // a member now: another person key, the same hostmask
)

// situation is the request's state with what else its checks look at.
type situation string

const (
	pending          situation = "pending"
	pendingHeld      situation = "pending, held"
	pendingSignedOff situation = "pending, QA signed off"
	approved         situation = "approved"
	locked           situation = "locked"
	stored           situation = "stored"
	promoted         situation = "promoted"
	publishFailed    situation = "promoted, publication failed"
	published        situation = "published"
	rejected         situation = "rejected"
	cancelled        situation = "cancelled"
	cancelledHeld    situation = "cancelled while held"
	superseded       situation = "superseded"
	failed           situation = "failed"
)

const noRole stagebot.Role = ""

var (
	allRoles = []stagebot.Role{noRole, stagebot.RoleLander, stagebot.RoleLanding, stagebot.RoleQA}

	requester    = []relation{requesterMember, requesterAccount, requesterHostmask, requesterSlack}
	notRequester = except(allRelations, requester...)
	// approvedByKey are the relations under which the actor's own approval is there.
	approvedByKey = []relation{approverMember, approverHostmask, approverSlack, approverAccount, approverIdentified}

	pendings    = []situation{pending, pendingHeld, pendingSignedOff}
	notLocked   = []situation{pending, pendingHeld, pendingSignedOff, approved, failed}
	lockedOrEnd = except(allSituations, notLocked...)
	ended       = []situation{published, rejected, cancelled, cancelledHeld, superseded}
)

// actors is a set of actors: any of roles (nil: any) under any of rels (nil: any).
type actors struct {
	roles []stagebot.Role
	rels  []relation
}

// by is the actors with any of roles standing to the request as any of rels (any at all
// when none are given).
func by(roles []stagebot.Role, rels ...relation) []actors {
	return []actors{{roles: roles, rels: rels}}
}

func roles(rs ...stagebot.Role) []stagebot.Role { return rs }

var (
	lander     = roles(stagebot.RoleLander)
	landing    = roles(stagebot.RoleLanding)
	qa         = roles(stagebot.RoleQA)
	notLander  = except(allRoles, stagebot.RoleLander)
	notLanding = except(allRoles, stagebot.RoleLanding)
	notQA      = except(allRoles, stagebot.RoleQA)
	qaLanding  = roles(stagebot.RoleQA, stagebot.RoleLanding)
	neitherQA  = roles(noRole, stagebot.RoleLander)

	// landingOrRequester may end or hold a request: the landing team, or whoever asked.
	landingOrRequester = append(by(landing), by(notLanding, requester...)...)
	neither            = by(notLanding, notRequester...)
)

type selfApproval int

const (
	eitherWay selfApproval = iota
	selfOff
	selfOn
)

type authRow struct {
	name string
	act  action
	by   []actors    // nil: anyone
	in   []situation // nil: any, or no request
	self selfApproval
	want string
}

// A row's want is "" when the action is allowed, else "code: refusal" where WHO stands for
// the actor as chat shows them and STATE for the request's state.
var authorizeTable = []authRow{
	{name: "landers stage", act: actStage, by: by(lander)},
	{name: "only landers stage", act: actStage, by: by(notLander),
		want: "forbidden: WHO may not stage clicks: only landers may (team.landers)"},
	{name: "the landing team ticks", act: actTick, by: by(landing)},
	{name: "only the landing team ticks", act: actTick, by: by(notLanding),
		want: "forbidden: WHO may not tick: only the landing team may"},
	{name: "QA or the landing team report a promotion", act: actPromote, by: by(qaLanding)},
	{name: "nobody else reports a promotion", act: actPromote, by: by(neitherQA),
		want: "forbidden: WHO may not report a promotion: only QA or the landing team may"},
	{name: "QA or the landing team report phasing", act: actPhasing, by: by(qaLanding)},
	{name: "nobody else reports phasing", act: actPhasing, by: by(neitherQA),
		want: "forbidden: WHO may not report phasing: only QA or the landing team may"},

	// !approve, an approving reaction, the Approve button.
	{name: "only the landing team approves", act: actApprove, by: by(notLanding),
		want: "forbidden: WHO may not approve: only the landing team may"},
	{name: "an ended request is not approved", act: actApprove, by: by(landing), in: ended, want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "only a pending request is approved", act: actApprove, by: by(landing), in: except(allSituations, append(pendings, ended...)...),
		want: "conflict: [1a2b3c4d] is STATE, not pending: nothing to approve"},
	{name: "no self-approval", act: actApprove, by: by(landing, requester...), in: pendings, self: selfOff,
		want: "forbidden: WHO may not approve [1a2b3c4d]: it is their own request (no self-approval)"},
	{name: "self-approval when the policy allows it", act: actApprove, by: by(landing, requester...), in: pendings, self: selfOn},
	{name: "one approval per person", act: actApprove, by: by(landing, approvedByKey...), in: pendings,
		want: "conflict: WHO already approved [1a2b3c4d]"},
	{name: "the landing team approves someone else's request, held or not", act: actApprove, by: by(landing, stranger), in: pendings},

	// !qa.
	{name: "only QA signs off", act: actQA, by: by(notQA),
		want: "forbidden: WHO may not sign off: only QA may"},
	{name: "an ended request is not signed off", act: actQA, by: by(qa), in: ended, want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "only a pending request is signed off", act: actQA, by: by(qa), in: except(allSituations, append(pendings, ended...)...),
		want: "conflict: [1a2b3c4d] is STATE, not pending: a sign-off changes nothing now"},
	{name: "no self sign-off", act: actQA, by: by(qa, requester...), in: pendings, self: selfOff,
		want: "forbidden: WHO may not sign off [1a2b3c4d]: it is their own request (no self-approval)"},
	{name: "one sign-off, for the requester too", act: actQA, by: by(qa, requester...), in: []situation{pendingSignedOff}, self: selfOn,
		want: "conflict: [1a2b3c4d] already has QA sign-off from quinn"},
	{name: "one sign-off", act: actQA, by: by(qa, notRequester...), in: []situation{pendingSignedOff},
		want: "conflict: [1a2b3c4d] already has QA sign-off from quinn"},
	{name: "QA signs off their own request when the policy allows it", act: actQA, by: by(qa, requester...),
		in: []situation{pending, pendingHeld}, self: selfOn},
	{name: "QA signs off someone else's request", act: actQA, by: by(qa, notRequester...), in: []situation{pending, pendingHeld}},

	// A removed approving reaction, whatever the role now.
	{name: "an ended request's approvals stay", act: actWithdraw, in: ended, want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "only one's own approval is withdrawn", act: actWithdraw, by: by(nil, except(allRelations, approvedByKey...)...), in: except(allSituations, ended...),
		want: "conflict: WHO has no approval on [1a2b3c4d] to withdraw"},
	{name: "an approval is withdrawn until the click is locked", act: actWithdraw, by: by(nil, approvedByKey...), in: notLocked},
	{name: "a locked request keeps its approvals", act: actWithdraw, by: by(nil, approvedByKey...), in: except(lockedOrEnd, ended...),
		want: "conflict: [1a2b3c4d] is already STATE: withdrawing an approval changes nothing now"},

	// !reject, a rejecting reaction, the Reject button.
	{name: "only the landing team rejects", act: actReject, by: by(notLanding),
		want: "forbidden: WHO may not reject: only the landing team may"},
	{name: "a request not locked yet is rejected", act: actReject, by: by(landing), in: notLocked},
	{name: "an ended request is not rejected", act: actReject, by: by(landing), in: ended, want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "a locked request is not rejected", act: actReject, by: by(landing), in: except(lockedOrEnd, ended...),
		want: "conflict: [1a2b3c4d] is STATE: only a request not yet locked can be rejected (use !cancel to take a locked click off)"},

	// !cancel.
	{name: "only the requester or the landing team cancel", act: actCancel, by: neither,
		want: "forbidden: WHO may not cancel [1a2b3c4d]: only its requester or the landing team may"},
	{name: "an ended request is not cancelled", act: actCancel, by: landingOrRequester, in: ended,
		want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "the requester or the landing team cancel, locked or not", act: actCancel, by: landingOrRequester, in: except(allSituations, ended...)},

	// !hold.
	{name: "only the requester or the landing team hold", act: actHold, by: neither,
		want: "forbidden: WHO may not hold [1a2b3c4d]: only its requester or the landing team may"},
	{name: "one hold at a time", act: actHold, by: landingOrRequester, in: []situation{pendingHeld},
		want: "conflict: [1a2b3c4d] is already held by hal: release notes"},
	{name: "a request not locking yet is held", act: actHold, by: landingOrRequester, in: []situation{pending, pendingSignedOff, approved}},
	{name: "a failed lock is not held", act: actHold, by: landingOrRequester, in: []situation{failed},
		want: "conflict: [1a2b3c4d] cannot be held, too late: locking failed (!cancel 1a2b3c4d remains)"},
	{name: "an ended request is not held", act: actHold, by: landingOrRequester, in: ended,
		want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "a locked request is not held", act: actHold, by: landingOrRequester, in: []situation{locked, stored, promoted, publishFailed},
		want: "conflict: [1a2b3c4d] cannot be held, too late: already STATE (!cancel 1a2b3c4d remains)"},

	// !unhold.
	{name: "only the requester or the landing team unhold", act: actUnhold, by: neither,
		want: "forbidden: WHO may not unhold [1a2b3c4d]: only its requester or the landing team may"},
	{name: "only a held request is unheld", act: actUnhold, by: landingOrRequester, in: except(allSituations, append(ended, pendingHeld)...),
		want: "conflict: [1a2b3c4d] is not held"},
	{name: "a held request is unheld", act: actUnhold, by: landingOrRequester, in: []situation{pendingHeld}},
	{name: "an ended request is not unheld", act: actUnhold, by: landingOrRequester, in: ended, want: "conflict: [1a2b3c4d] is already STATE"},

	// !retry.
	{name: "only the landing team retries", act: actRetry, by: by(notLanding),
		want: "forbidden: WHO may not retry: only the landing team may"},
	{name: "a failed lock or publication is retried", act: actRetry, by: by(landing), in: []situation{failed, publishFailed}},
	{name: "an ended request is not retried", act: actRetry, by: by(landing), in: ended, want: "conflict: [1a2b3c4d] is already STATE"},
	{name: "nothing else is retried", act: actRetry, by: by(landing), in: except(allSituations, append(ended, failed, publishFailed)...),
		want: "conflict: [1a2b3c4d] is STATE: nothing failed to retry"},
}

// onRequest are the actions on a request; the others (stage, tick, promote, phasing) are
// asked with none.
var onRequest = []action{actApprove, actQA, actWithdraw, actReject, actCancel, actHold, actUnhold, actRetry}

func TestAuthorize(t *testing.T) {
	used := make([]int, len(authorizeTable))
	cases := 0
	for _, act := range []action{actStage, actTick, actPromote, actPhasing, actApprove, actQA, actWithdraw, actReject, actCancel, actHold, actUnhold, actRetry} {
		sits := allSituations
		if !contains(onRequest, act) {
			sits = []situation{""}
		}
		for _, role := range allRoles {
			for _, rel := range allRelations {
				for _, sit := range sits {
					for _, self := range []selfApproval{selfOff, selfOn} {
						cases++
						what := fmt.Sprintf("%s by %q (%s) on %q, self-approval %v", act, role, rel, sit, self == selfOn)
						var rows []int
						for i, row := range authorizeTable {
							if row.act == act && row.covers(role, rel, sit, self) {
								rows = append(rows, i)
							}
						}
						if len(rows) != 1 {
							t.Errorf("%s: covered by %d rows %v, want 1", what, len(rows), rows)
							continue
						}
						used[rows[0]]++
						p, r := fixture(role, rel, sit)
						got := ""
						if err := authorize(act, p, r, stagebot.Policy{SelfApproval: self == selfOn}); err != nil {
							got = stagebot.ErrorCode(err) + ": " + render.ErrorText(err)
						}
						want := strings.ReplaceAll(authorizeTable[rows[0]].want, "WHO", stagebot.PublicName(p.Display()))
						if r != nil {
							want = strings.ReplaceAll(want, "STATE", string(r.State))
						}
						if got != want {
							t.Errorf("%s (row %q):\n got %q\nwant %q", what, authorizeTable[rows[0]].name, got, want)
						}
					}
				}
			}
		}
	}
	for i, n := range used {
		if n == 0 {
			t.Errorf("row %q covers no case", authorizeTable[i].name)
		}
	}
	t.Logf("%d rows, %d cases", len(authorizeTable), cases)
}

// covers reports whether the row speaks for the case.
func (row authRow) covers(role stagebot.Role, rel relation, sit situation, self selfApproval) bool {
	if row.self != eitherWay && row.self != self {
		return false
	}
	if row.in != nil && !contains(row.in, sit) {
		return false
	}
	if row.by == nil {
		return true
	}
	for _, a := range row.by {
		if (a.roles == nil || contains(a.roles, role)) && (a.rels == nil || contains(a.rels, rel)) {
			return true
		}
	}
	return false
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// except is all but xs.
func except[T comparable](all []T, xs ...T) []T {
	var out []T
	for _, x := range all {
		if !contains(xs, x) {
			out = append(out, x)
		}
	}
	return out
}

var allRelations = []relation{stranger, requesterMember, requesterAccount, requesterHostmask, requesterSlack,
	approverMember, approverHostmask, approverSlack, approverAccount, approverIdentified}

var allSituations = []situation{pending, pendingHeld, pendingSignedOff, approved, locked, stored, promoted,
	publishFailed, published, rejected, cancelled, cancelledHeld, superseded, failed}

func irc(mask, account string) stagebot.Identity {
	nick, _, _ := strings.Cut(mask, "!")
	return stagebot.Identity{Network: stagebot.NetworkIRC, ID: mask, Account: account, Name: nick}
}

func slackUser(id, name string) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkSlack, ID: id, Name: name}
}

// person is who Team.Resolve makes of id when the team lists it under member (or under a
// wildcard entry, for member "") with role.
func person(id stagebot.Identity, member string, role stagebot.Role) stagebot.Person {
	p := stagebot.Person{Identity: id, Key: id.Key(), Roles: map[stagebot.Role]bool{}}
	if role != noRole {
		p.Roles[role] = true
	}
	if member != "" {
		p.Key = stagebot.MemberKey(member)
		p.Members = []string{member}
	}
	return p
}

// fixture is the actor and the request (nil when sit is "") of one case: the actor with
// role, standing to the request's requester or approvers as rel says.
func fixture(role stagebot.Role, rel relation, sit situation) (stagebot.Person, *stagebot.Request) {
	// The requester and the approver the actor is not: rita asked, otto approved.
	rita := person(irc("rita!~rita@rita.example", "rita"), "rita", stagebot.RoleLander)
	asked := rita
	approvals := []stagebot.Approval{{By: irc("otto!~otto@otto.example", ""), Key: stagebot.MemberKey("otto"), SHA256: "cafe"}}
	approvedAs := func(id stagebot.Identity, member string) {
		p := person(id, member, stagebot.RoleLanding)
		approvals = append(approvals, stagebot.Approval{By: id, Key: p.Key, Keys: p.Keys(), SHA256: "cafe"})
	}
	var actor stagebot.Person
	switch rel {
	case stranger:
		actor = person(irc("ann!~ann@ann.example", "ann"), "ann", role)
	case requesterMember:
		asked = person(irc("sil!~sil@home.example", "sil"), "sil", stagebot.RoleLander)
		actor = person(slackUser("USIL", "Łukasz"), "sil", role)
	case requesterAccount:
		asked = person(irc("sil!~sil@home.example", "sil"), "", stagebot.RoleLander)
		actor = person(irc("sil_!~sil@cafe.example", "Sil"), "", role)
	case requesterHostmask:
		asked = person(irc("sil!~sil@home.example", ""), "", stagebot.RoleLander)
		actor = person(irc("sil!~sil@home.example", "sil"), "sil", role)
	case requesterSlack:
		asked = person(slackUser("USIL", "sil"), "", stagebot.RoleLander)
		actor = person(slackUser("USIL", "sil"), "sil", role)
	case approverMember:
		approvedAs(irc("lee!~lee@home.example", "lee"), "lee")
		actor = person(slackUser("ULEE", "Lee"), "lee", role)
	case approverHostmask:
		approvedAs(irc("lee!~lee@home.example", ""), "")
		actor = person(irc("lee!~lee@home.example", ""), "", role)
	case approverSlack:
		approvedAs(slackUser("ULEE", "Lee"), "")
		actor = person(slackUser("ULEE", "Lee"), "", role)
	case approverAccount:
		approvedAs(irc("lee!~lee@home.example", "lee"), "")
		actor = person(irc("lee_!~lee@cafe.example", "lee"), "", role)
	case approverIdentified:
		approvedAs(irc("lee!~lee@home.example", ""), "")
		actor = person(irc("lee!~lee@home.example", "lee"), "lee", role)
	default:
		panic("no fixture for " + rel)
	}
	if sit == "" {
		return actor, nil
	}
	r := &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "com.example.app_1.0_all.click", SHA256: "cafe",
		Requester: asked.Identity, RequesterKey: asked.Key, RequesterKeys: asked.Keys(), Approvals: approvals}
	states := map[situation]stagebot.State{pending: stagebot.StatePending, pendingHeld: stagebot.StatePending,
		pendingSignedOff: stagebot.StatePending, approved: stagebot.StateApproved, locked: stagebot.StateLocked,
		stored: stagebot.StateStored, promoted: stagebot.StatePromoted, publishFailed: stagebot.StatePromoted,
		published: stagebot.StatePublished, rejected: stagebot.StateRejected, cancelled: stagebot.StateCancelled,
		cancelledHeld: stagebot.StateCancelled, superseded: stagebot.StateSuperseded, failed: stagebot.StateFailed}
	r.State = states[sit]
	switch sit {
	case pendingHeld, cancelledHeld:
		r.Hold = &stagebot.Hold{By: slackUser("UHAL", "hal"), Key: stagebot.MemberKey("hal"), Reason: "release notes"}
	case pendingSignedOff:
		r.QASignoff = &stagebot.Approval{By: slackUser("UQUINN", "quinn"), Key: stagebot.MemberKey("quinn"), SHA256: "cafe"}
	case publishFailed:
		r.PublishErr = "publish command: exit status 1"
	}
	return actor, r
}
