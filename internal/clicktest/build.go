// Package clicktest builds real click packages with Debian's click tools and signs them with
// debsigs, so tests compare stagebot against what the real toolchain writes rather than
// against what we believe it writes.
package clicktest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"stagebot/internal/testenv"
)

// Spec describes the source tree of a click; the zero values of Title and Maintainer-ish
// manifest keys are filled in so a Spec only has to say what a test cares about.
type Spec struct {
	Name, Version, Framework string
	Arch                     any // "all", "armhf" or []string; nil leaves "architecture" out
	Files                    map[string]string
	Extra                    map[string]any // extra manifest keys; a nil value deletes a key
}

// Manifest returns the manifest.json object Build writes for spec.
func (s Spec) Manifest() map[string]any {
	m := map[string]any{
		"name":       s.Name,
		"version":    s.Version,
		"framework":  s.Framework,
		"title":      "Test click " + s.Name,
		"maintainer": "Stagebot Tests <tests@example.invalid>",
		"hooks":      map[string]any{},
	}
	if s.Arch != nil {
		m["architecture"] = s.Arch
	}
	for k, v := range s.Extra {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return m
}

// Build runs `click build` on a temp dir made from spec and returns the .click path (in dir).
func Build(t testing.TB, dir string, spec Spec) string {
	t.Helper()
	clickTool := testenv.Tool(t, "click")
	src := t.TempDir()
	for name, content := range spec.Files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatalf("clicktest: %v", err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatalf("clicktest: %v", err)
		}
	}
	manifest, err := json.MarshalIndent(spec.Manifest(), "", "  ")
	if err != nil {
		t.Fatalf("clicktest: manifest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(src, "manifest.json"), manifest, 0o644); err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	// click build names the file itself; building into an empty directory lets us find it
	// without re-implementing its naming rule here.
	out := t.TempDir()
	cmd := exec.Command(clickTool, "build", "--no-validate", src)
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clicktest: click build: %v\n%s", err, b)
	}
	built, err := filepath.Glob(filepath.Join(out, "*.click"))
	if err != nil || len(built) != 1 {
		t.Fatalf("clicktest: click build produced %v (%v)", built, err)
	}
	dst := filepath.Join(dir, filepath.Base(built[0]))
	if err := moveFile(built[0], dst); err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	return dst
}

// moveFile renames, falling back to a copy because t.TempDir and dir may sit on different
// file systems.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
