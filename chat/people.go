package chat

import (
	"slices"

	"stagebot"
)

// Whoami tells a person who the bot takes them for and what that lets them do.
func (r Renderer) Whoami(p stagebot.Person, pol stagebot.Policy) Message {
	m := r.start().w("you are ").who(p.Display())
	switch id := p.Identity; {
	case id.Network == stagebot.NetworkIRC && id.Account != "":
		m.w(", known by your services account ").q(id.Account)
	case id.Network == stagebot.NetworkIRC:
		m.w(", known by your host (log in to services to be known by your account)")
	case id.Network == stagebot.NetworkSlack:
		m.w(", known by your Slack user ID ").q(id.ID)
	}
	var roles []string
	for _, role := range []stagebot.Role{stagebot.RoleLanding, stagebot.RoleQA, stagebot.RoleLander} {
		if p.Has(role) {
			roles = append(roles, map[stagebot.Role]string{stagebot.RoleLanding: "on the landing team",
				stagebot.RoleQA: "in QA", stagebot.RoleLander: "a lander"}[role])
		}
	}
	if len(roles) == 0 {
		m.w("; you are on no team list, so you may look (").cmd("status").w(", ").cmd("queue").w(", ").cmd("help").w(") but not act")
		return Message{Kind: Reply, Parts: m.parts}
	}
	m.w("; you are ").list(roles, false).w(", so you may ")
	var may []string
	for _, a := range actionOrder {
		perm := stagebot.Permissions[a]
		if len(perm.Roles) == 0 || !perm.Allows(p, false) {
			continue
		}
		s := string(a)
		if perm.NotOwn && !pol.SelfApproval {
			s += " (not your own requests)"
		}
		may = append(may, s)
	}
	m.list(may, false)
	if !p.Has(stagebot.RoleLanding) {
		m.w(", and cancel, hold or unhold your own requests")
	}
	return Message{Kind: Reply, Parts: m.parts}
}

// Team tells who may approve, sign off and stage, and what a request needs.
func (r Renderer) Team(t stagebot.Team, pol stagebot.Policy) Message {
	m := r.start()
	for i, l := range []struct {
		role    stagebot.Role
		members []stagebot.Member
	}{{stagebot.RoleLanding, t.Landing}, {stagebot.RoleQA, t.QA}, {stagebot.RoleLander, t.Landers}} {
		if i > 0 {
			m.br("; ")
		}
		m.w(roleName(l.role) + ": ")
		var names []string
		anyone := false
		for _, mem := range l.members {
			if mem.Wildcard() {
				anyone = true
				continue
			}
			names = append(names, mem.Name)
		}
		slices.Sort(names)
		switch {
		case anyone:
			m.w("anyone")
		case len(names) == 0:
			m.w("nobody")
		default:
			m.list(names, true)
		}
	}
	m.w(". A request needs ").w(Plural(max(pol.Approvals, 1), "landing-team approval", "landing-team approvals"))
	if pol.QASignoff {
		m.w(" and a QA sign-off")
	}
	if pol.SelfApproval {
		m.w("; requesters may approve their own")
	} else {
		m.w(", never from its requester")
	}
	return Message{Kind: Reply, Parts: m.parts}
}

// actionOrder is the order whoami lists what a person may do.
var actionOrder = []stagebot.Action{stagebot.ActStage, stagebot.ActApprove, stagebot.ActQA, stagebot.ActReject,
	stagebot.ActCancel, stagebot.ActHold, stagebot.ActUnhold, stagebot.ActRetry, stagebot.ActTick,
	stagebot.ActPromote, stagebot.ActPhasing}

func roleName(r stagebot.Role) string {
	switch r {
	case stagebot.RoleLanding:
		return "landing team"
	case stagebot.RoleQA:
		return "QA"
	case stagebot.RoleLander:
		return "landers"
	}
	return string(r)
}
