package commands

import (
	"context"

	"stagebot"
	"stagebot/intake"
	"stagebot/workflow"
)

// Service is what the commands need from the workflow.
type Service interface {
	Stage(ctx context.Context, actor stagebot.Identity, src intake.Source) (*stagebot.Request, error)
	Approve(actor stagebot.Identity, id string) (*workflow.Outcome, error)
	QA(actor stagebot.Identity, id string) (*workflow.Outcome, error)
	Reject(actor stagebot.Identity, id, reason string) (*workflow.Outcome, error)
	Cancel(actor stagebot.Identity, id, reason string) (*workflow.Outcome, error)
	Hold(actor stagebot.Identity, id, reason string) (*workflow.Outcome, error)
	Unhold(actor stagebot.Identity, id string) (*workflow.Outcome, error)
	Retry(actor stagebot.Identity, id string) (*workflow.Outcome, error)
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*workflow.TickResult, error)
	Promote(actor stagebot.Identity, image string) ([]*stagebot.Request, error)
	SetPhasing(actor stagebot.Identity, percent int) (int, error)
	Lookup(query string) ([]workflow.Status, error)
	Queue() ([]workflow.Status, error)
	History(pkg string, limit int) ([]*stagebot.Request, error)
	Differences() []string
}
