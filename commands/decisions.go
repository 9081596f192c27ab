package commands

import (
	"context"
	"strings"

	"stagebot"
)

func registerDecisions(r *Registry, svc Service) {
	type idAction func(actor stagebot.Identity, id, rest string) (*stagebot.Outcome, error)
	add := func(name, args, who, summary, example string, needRest bool, act idAction) {
		r.Register(Command{Name: name, Args: args, Who: who, Summary: summary, Example: r.Prefix + example,
			Run: func(_ context.Context, env *Env, line string) (string, error) {
				id, rest, _ := strings.Cut(line, " ")
				if id == "" {
					return "", usage(r.Prefix+name, args)
				}
				out, err := act(env.Actor, id, strings.TrimSpace(rest))
				if err != nil {
					return "", err
				}
				return out.Message, nil
			}})
	}
	add("approve", "ID", "the landing team (not on their own request)",
		"approve a request; when the policy is met it is queued for locking", "approve 1a2b3c4d", false,
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Approve(a, id) })
	add("qa", "ID", "QA", "QA sign-off on a request (where the policy needs one)", "qa 1a2b3c4d", false,
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.QA(a, id) })
	add("reject", "ID [reason]", "the landing team", "end a request that is not locked yet", "reject 1a2b3c4d wrong version", true,
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Reject(a, id, why) })
	add("cancel", "ID [reason]", "the requester or the landing team",
		"end a request; a locked click is taken off the list", "cancel 1a2b3c4d", true,
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Cancel(a, id, why) })
	add("hold", "ID [reason]", "the requester or the landing team",
		"keep a request from being locked even when approved; an approved request not yet locking goes back to pending, keeping its approvals (too late once locking started: !cancel remains)",
		"hold 1a2b3c4d waiting for the translations", true,
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Hold(a, id, why) })
	add("unhold", "ID", "the requester or the landing team",
		"lift a hold; a request whose approvals are met is approved and queued for locking", "unhold 1a2b3c4d", false,
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Unhold(a, id) })
	add("retry", "ID", "the landing team", "run again the step that failed: a failed lock or a failed publication", "retry 1a2b3c4d", false,
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Retry(a, id) })
}
