package commands

import (
	"context"
	"strings"

	"stagebot"
	"stagebot/chat"
)

func registerDecisions(r *Registry, svc Service) {
	type idAction func(actor stagebot.Identity, id, rest string) (*stagebot.Outcome, error)
	add := func(c Command, act idAction) {
		args := c.Args
		c.Run = func(_ context.Context, env *Env, line string) (chat.Message, error) {
			id, rest, _ := strings.Cut(line, " ")
			if id == "" {
				return chat.Message{}, usage(args)
			}
			out, err := act(env.Actor, id, strings.TrimSpace(rest))
			if err != nil {
				return chat.Message{}, err
			}
			return r.Render.Outcome(out), nil
		}
		r.Register(c)
	}
	add(Command{Name: "approve", Args: "ID", Action: stagebot.ActApprove, Example: "1a2b3c4d",
		Summary: "approve a request; when the policy is met it is queued for locking",
		Also:    "a 👍 or ✅ reaction on any of the bot's messages about the request, or its Approve button on Slack; removing the reaction withdraws the approval"},
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Approve(a, id) })
	add(Command{Name: "qa", Args: "ID", Action: stagebot.ActQA, Example: "1a2b3c4d",
		Summary: "QA sign-off on a request (where the policy needs one)"},
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.QA(a, id) })
	add(Command{Name: "reject", Args: "ID [reason]", Action: stagebot.ActReject, Example: "1a2b3c4d wrong version",
		Summary: "end a request that is not locked yet",
		Also:    "a ❌ reaction on any of the bot's messages about the request, or its Reject button on Slack"},
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Reject(a, id, why) })
	add(Command{Name: "cancel", Args: "ID [reason]", Action: stagebot.ActCancel, Example: "1a2b3c4d",
		Summary: "end a request; a locked click is taken off the list"},
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Cancel(a, id, why) })
	add(Command{Name: "hold", Args: "ID [reason]", Action: stagebot.ActHold, Example: "1a2b3c4d waiting for the translations",
		Summary: "keep a request from being locked even when approved; an approved request not yet locking goes back to pending, keeping its approvals (too late once locking started: cancel remains)"},
		func(a stagebot.Identity, id, why string) (*stagebot.Outcome, error) { return svc.Hold(a, id, why) })
	add(Command{Name: "unhold", Args: "ID", Action: stagebot.ActUnhold, Example: "1a2b3c4d",
		Summary: "lift a hold; a request whose approvals are met is approved and queued for locking"},
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Unhold(a, id) })
	add(Command{Name: "retry", Args: "ID", Action: stagebot.ActRetry, Example: "1a2b3c4d",
		Summary: "run again the step that failed: a failed lock or a failed publication"},
		func(a stagebot.Identity, id, _ string) (*stagebot.Outcome, error) { return svc.Retry(a, id) })
}
