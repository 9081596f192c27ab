package workflow

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNoChatWords: the workflow records what happened in data (events, outcomes, refusals)
// and chat words it, so that the configured command prefix and every sentence people read
// are in one place. Its code holds no command with a prefix ("!approve") and none of the
// phrases replies and announcements are made of.
func TestNoChatWords(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	prefixed := regexp.MustCompile(`(^|[^[:alnum:]])[!.](approve|qa|reject|cancel|hold|unhold|retry|tick|promote|phasing|stage|status|queue|history|help)\b`)
	phrases := []string{"queued for locking", "refused", "approve with", "waiting for approval", "taken off the list",
		"not locked until", "may not", "did you mean", "slow down", "still retrying", "keeps failing", "needed;",
		"is already locked", "is already requested", "nothing to approve", "no self-approval", "click-sync picked"}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			checked++
			if prefixed.MatchString(s) {
				t.Errorf("%s: %q names a command with its prefix: chat words commands", fset.Position(lit.Pos()), s)
			}
			for _, p := range phrases {
				if strings.Contains(s, p) {
					t.Errorf("%s: %q holds %q, a phrase chat words", fset.Position(lit.Pos()), s, p)
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d string literals checked: the test reads the wrong files", checked)
	}
}
