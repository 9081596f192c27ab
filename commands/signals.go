package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func registerSignals(r *Registry, svc Service) {
	r.Register(Command{Name: "tick", Who: "the landing team",
		Summary: "record a click-sync run now: locked clicks become stored", Example: r.Prefix + "tick",
		Run: func(_ context.Context, env *Env, _ string) (string, error) {
			res, err := svc.Tick(env.Actor, "", nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("tick recorded; %d click(s) stored", len(res.Stored)), nil
		}})
	r.Register(Command{Name: "promote", Args: "IMAGE", Who: "QA or the landing team",
		Summary: "rc-proposed image IMAGE was promoted to stable: stored clicks become promoted and phasing starts",
		Example: r.Prefix + "promote 312",
		Run: func(_ context.Context, env *Env, args string) (string, error) {
			if args == "" {
				return "", usage(r.Prefix+"promote", "IMAGE")
			}
			moved, err := svc.Promote(env.Actor, strings.Fields(args)[0])
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("promotion recorded; %d click(s) promoted", len(moved)), nil
		}})
	r.Register(Command{Name: "phasing", Args: "PERCENT", Who: "QA or the landing team",
		Summary: "phased-update progress; at 100 phasing has ended and promoted clicks are published and flushed",
		Example: r.Prefix + "phasing 100",
		Run: func(_ context.Context, env *Env, args string) (string, error) {
			p, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(args), "%"))
			if err != nil {
				return "", usage(r.Prefix+"phasing", "PERCENT (0 to 100)")
			}
			n, err := svc.SetPhasing(env.Actor, p)
			if err != nil {
				return "", err
			}
			if p == 100 {
				return fmt.Sprintf("phasing ended; %d click(s) queued for publication", n), nil
			}
			return fmt.Sprintf("phasing at %d%% recorded", p), nil
		}})
}
