package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"stagebot"
)

// maxListed bounds how many requests one reply lists: a chat line is not a report.
const maxListed = 10

func registerViews(r *Registry, svc Service) {
	r.Register(Command{Name: "status", Args: "[ID or package]", Who: "anyone", ReadOnly: true,
		Summary: "a request's state and what the worker is doing about it; without argument, the queue",
		Example: r.Prefix + "status 1a2b3c4d",
		Run: func(_ context.Context, env *Env, args string) (string, error) {
			if args == "" {
				return queue(svc)
			}
			sts, err := svc.Lookup(strings.Fields(args)[0])
			if err != nil {
				return "", err
			}
			lines := make([]string, 0, len(sts))
			for _, st := range sts {
				lines = append(lines, StatusLine(st, time.Now()))
			}
			return strings.Join(lines, "\n"), nil
		}})
	r.Register(Command{Name: "queue", Who: "anyone", ReadOnly: true, Summary: "every request still in flight",
		Example: r.Prefix + "queue",
		Run:     func(_ context.Context, env *Env, _ string) (string, error) { return queue(svc) }})
	r.Register(Command{Name: "history", Args: "PACKAGE", Who: "anyone", ReadOnly: true, Summary: "a package's requests, newest last",
		Example: r.Prefix + "history com.ubuntu.camera",
		Run: func(_ context.Context, env *Env, args string) (string, error) {
			if args == "" {
				return "", usage(r.Prefix+"history", "PACKAGE")
			}
			rs, err := svc.History(strings.Fields(args)[0], maxListed)
			if err != nil {
				return "", err
			}
			var lines []string
			for _, req := range rs {
				lines = append(lines, fmt.Sprintf("[%s] %s %s (%s, by %s)", req.ShortID(), req.Filename, req.State, stagebot.FormatTime(req.Created), req.RequesterDisplay()))
			}
			return strings.Join(lines, "\n"), nil
		}})
}

func queue(svc Service) (string, error) {
	sts, err := svc.Queue()
	if err != nil {
		return "", err
	}
	var lines []string
	if diffs := svc.Differences(); len(diffs) > 0 {
		lines = append(lines, "snakefruit differs from the bot's records: "+strings.Join(diffs, "; "))
	}
	if len(sts) == 0 {
		return strings.Join(append(lines, "the queue is empty"), "\n"), nil
	}
	lines = append(lines, fmt.Sprintf("%d request(s) in flight:", len(sts)))
	for i, st := range sts {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("... and %d more", len(sts)-maxListed))
			break
		}
		lines = append(lines, StatusLine(st, time.Now()))
	}
	return strings.Join(lines, "\n"), nil
}

// StatusLine is one request in one line: ID, filename, state word, then what matters now.
func StatusLine(st stagebot.Status, now time.Time) string {
	r := st.Request
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s %s", r.ShortID(), r.Filename, r.State)
	fmt.Fprintf(&b, " (%s, requested by %s %s", r.Summary(), r.RequesterDisplay(), stagebot.Ago(now, r.Created))
	if as := r.ValidApprovals(); len(as) > 0 {
		var by []string
		for _, a := range as {
			by = append(by, a.Display())
		}
		fmt.Fprintf(&b, "; approved by %s", strings.Join(by, ", "))
	}
	if r.QASignoff != nil {
		fmt.Fprintf(&b, "; QA %s", r.QASignoff.Display())
	}
	b.WriteString(")")
	if r.Hold != nil && !r.State.Final() {
		fmt.Fprintf(&b, "; %s (%s)", r.Hold.Describe(), stagebot.Ago(now, r.Hold.At))
	}
	if st.Job != nil {
		j := st.Job
		fmt.Fprintf(&b, "; %s job", j.Kind)
		if j.Attempt > 0 {
			fmt.Fprintf(&b, " retrying: attempt %d failed: %s", j.Attempt, j.LastError)
			if !j.NotBefore.IsZero() {
				fmt.Fprintf(&b, "; next try in %s", stagebot.FormatDuration(max(j.NotBefore.Sub(now), 0)))
			}
		} else {
			b.WriteString(" queued")
		}
	} else if r.State == stagebot.StateFailed && r.LastError != "" {
		fmt.Fprintf(&b, "; failed: %s", r.LastError)
	}
	if r.PublishErr != "" && r.State == stagebot.StatePromoted {
		fmt.Fprintf(&b, "; last publication %s", r.PublishErr)
	}
	if r.Reason != "" && r.State.Final() {
		fmt.Fprintf(&b, "; reason: %s", r.Reason)
	}
	return b.String()
}
