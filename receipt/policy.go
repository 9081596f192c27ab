package receipt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"stagebot"
)

// PolicyOf is the predicate's policy for the effective policy p and team: what a request
// needed and, in Hash, the lowercase hex sha256 of PolicyDocument(p, team), so that the
// receipt pins who was allowed to ask, approve and sign off.
func PolicyOf(p stagebot.Policy, team stagebot.Team) (Policy, error) {
	doc, err := PolicyDocument(p, team)
	if err != nil {
		return Policy{}, err
	}
	sum := sha256.Sum256(doc)
	return Policy{
		Approvals:    effectiveApprovals(p),
		QASignoff:    p.QASignoff,
		SelfApproval: p.SelfApproval,
		Hash:         hex.EncodeToString(sum[:]),
	}, nil
}

// PolicyDocument is the text a policy hash is taken of: the RFC 8785 canonical JSON of
//
//	{"policy": {"approvals": N, "qa_signoff": BOOL, "self_approval": BOOL},
//	 "team": {"landers": [MEMBER...], "landing": [MEMBER...], "qa": [MEMBER...]}}
//
// where approvals is the number of approvals a request needs (at least 1), each MEMBER is
// a team entry as the config writes it ({"name": ..., "irc": ..., "slack": ...}, a network
// left out when the entry has none), an empty list is [] and each list is sorted by its
// members' canonical JSON, bytewise: the hash changes with who is allowed, not with how
// the config happens to order them. The reminder and expiry times decide nobody's
// permission and are left out.
func PolicyDocument(p stagebot.Policy, team stagebot.Team) ([]byte, error) {
	lists := map[string]any{}
	for name, members := range map[string][]stagebot.Member{
		"landers": team.Landers,
		"landing": team.Landing,
		"qa":      team.QA,
	} {
		list, err := canonicalMembers(members)
		if err != nil {
			return nil, err
		}
		lists[name] = list
	}
	return canonicalJSON(map[string]any{
		"policy": map[string]any{
			"approvals":     effectiveApprovals(p),
			"qa_signoff":    p.QASignoff,
			"self_approval": p.SelfApproval,
		},
		"team": lists,
	})
}

// canonicalMembers is the members as canonical JSON values, sorted; never nil, so that an
// empty list is written [] and not null.
func canonicalMembers(members []stagebot.Member) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(members))
	for _, m := range members {
		b, err := canonicalJSON(m)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	return out, nil
}

// effectiveApprovals is what the workflow enforces: a policy asking for fewer than one
// approval still needs one.
func effectiveApprovals(p stagebot.Policy) int {
	return max(p.Approvals, 1)
}
