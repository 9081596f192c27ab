package snakefruit

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// click writes a local source file with content and returns the spec that locks it as name.
func click(t *testing.T, name, content string) LockSpec {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	return LockSpec{Filename: name, Src: src, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
}

// snapshot is the folder's content by name, read directly from disk.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	for name := range snapshot(t, dir) {
		if strings.HasPrefix(name, TempPrefix) {
			t.Errorf("temp file %s left in the folder", name)
		}
	}
}

func assertSameFolder(t *testing.T, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("folder differs:\n got  %q\n want %q", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		for name, w := range want {
			if g, ok := got[name]; ok && g != w {
				t.Errorf("  %s: got %q, want %q", name, g, w)
			}
		}
	}
}

func writeList(t *testing.T, dir string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, DefaultListFile), FormatList(lines), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readListFile(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, DefaultListFile))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return ParseList(b)
}

func clearFolder(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

func mustEqualLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("list = %q, want %q", got, want)
	}
}
