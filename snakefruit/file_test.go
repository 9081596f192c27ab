package snakefruit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileTarget(t *testing.T) {
	runTargetSuite(t, func(t *testing.T) (Target, string) {
		t.Helper()
		dir := t.TempDir()
		tg, err := Open(t.Context(), Config{Target: "file://" + dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tg.Close() })
		return tg, dir
	})
}

// TestListInSubfolder: a list_file below the target keeps its temp file beside it, where the
// rename is atomic, and SweepTemps looks there too.
func TestListInSubfolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	tg, err := Open(t.Context(), Config{Target: "file://" + dir, ListFile: "meta/list"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	ctx := testContext(t)
	if err := Lock(ctx, tg, click(t, "foo_1_all.click", "foo")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "meta", "list"))
	if err != nil || string(b) != "foo_1_all.click\n" {
		t.Fatalf("list = %q, %v", b, err)
	}
	leftover := filepath.Join(dir, "meta", TempPrefix+"list")
	if err := os.WriteFile(leftover, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tg.SweepTemps(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover list temp survived SweepTemps: %v", err)
	}
}
