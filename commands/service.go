package commands

import (
	"context"

	"stagebot"
	"stagebot/intake"
)

// Service is what the commands need from the workflow.
type Service interface {
	Stage(ctx context.Context, actor stagebot.Identity, src intake.Source) (*stagebot.Request, error)
	Approve(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	QA(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Reject(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Cancel(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Hold(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Unhold(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Retry(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error)
	Promote(actor stagebot.Identity, image string) ([]*stagebot.Request, error)
	SetPhasing(actor stagebot.Identity, percent int) (int, error)
	Lookup(query string) ([]stagebot.Status, error)
	Queue() ([]stagebot.Status, error)
	History(pkg string, limit int) ([]*stagebot.Request, error)
	Differences() stagebot.Drift
	Team() stagebot.Team
	Policy() stagebot.Policy
}
