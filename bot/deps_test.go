package bot

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCoreAndAdaptersKnowNoWorkflow: the core and the adapters know the workflow only by
// the interfaces they declare (Service, Outbox, Commands, Overview), so none of them can
// reach past those into the commands, the workflow or the database.
func TestCoreAndAdaptersKnowNoWorkflow(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no go command to list the imports with")
		}
		t.Skip("no go command")
	}
	out, err := exec.Command(goTool, "list", "-deps", "stagebot/bot/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, forbidden := range []string{"stagebot/commands", "stagebot/workflow", "stagebot/storage"} {
		if slices.Contains(deps, forbidden) {
			t.Errorf("stagebot/bot/... imports %s", forbidden)
		}
	}
}
