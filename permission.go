package stagebot

// Action is what a person asks of the workflow: a command, or the reaction or button that
// stands for one (approving and rejecting; taking an approving reaction back withdraws).
type Action string

const (
	ActStage    Action = "stage"
	ActApprove  Action = "approve"
	ActQA       Action = "qa"
	ActWithdraw Action = "withdraw"
	ActReject   Action = "reject"
	ActCancel   Action = "cancel"
	ActHold     Action = "hold"
	ActUnhold   Action = "unhold"
	ActRetry    Action = "retry"
	ActTick     Action = "tick"
	ActPromote  Action = "promote"
	ActPhasing  Action = "phasing"
)

// Permission is who may take an action: any of Roles, or the request's requester when
// Requester is set, or anyone when both are empty. The table below is the one statement of
// it: authorization reads it, and help, refusals and the docs word it (chat.Renderer).
type Permission struct {
	Roles     []Role
	Requester bool
	// NotOwn: the requester may not, unless policy.self_approval (approvals, QA sign-off).
	NotOwn bool
}

// Permissions is who may do what.
var Permissions = map[Action]Permission{
	ActStage:    {Roles: []Role{RoleLander}},
	ActApprove:  {Roles: []Role{RoleLanding}, NotOwn: true},
	ActQA:       {Roles: []Role{RoleQA}, NotOwn: true},
	ActWithdraw: {}, // one's own approval: checked against the request, not a role
	ActReject:   {Roles: []Role{RoleLanding}},
	ActCancel:   {Roles: []Role{RoleLanding}, Requester: true},
	ActHold:     {Roles: []Role{RoleLanding}, Requester: true},
	ActUnhold:   {Roles: []Role{RoleLanding}, Requester: true},
	ActRetry:    {Roles: []Role{RoleLanding}},
	ActTick:     {Roles: []Role{RoleLanding}},
	ActPromote:  {Roles: []Role{RoleQA, RoleLanding}},
	ActPhasing:  {Roles: []Role{RoleQA, RoleLanding}},
}

// Allows reports whether p may take the action at all (the requester counted by the caller,
// which knows the request).
func (perm Permission) Allows(p Person, requester bool) bool {
	if len(perm.Roles) == 0 && !perm.Requester {
		return true
	}
	for _, r := range perm.Roles {
		if p.Has(r) {
			return true
		}
	}
	return perm.Requester && requester
}
