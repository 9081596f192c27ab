package app

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFileTargetOnLocalhost: file://localhost/PATH is the folder PATH, not ./localhost/PATH
// under the working directory.
func TestFileTargetOnLocalhost(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir()
	t.Chdir(work)
	want := filepath.Join(dir, "t")
	cfg := consoleConfig(t, dir, "snakefruit: {target: \"file://localhost"+want+"\"}\n")

	runToEOF(t, cfg)

	if fi, err := os.Stat(want); err != nil || !fi.IsDir() {
		t.Errorf("target folder %s: %v", want, err)
	}
	if _, err := os.Stat(filepath.Join(work, "localhost")); !os.IsNotExist(err) {
		t.Errorf("./localhost created in the working directory (%v)", err)
	}
}
