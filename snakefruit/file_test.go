package snakefruit

import "testing"

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
