package clicktest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"stagebot/internal/testenv"
)

func TestBuildSignVerify(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "com.example.a", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "armhf", Files: map[string]string{"bin/a": "x"}}, "com.example.a_1.0_armhf.click"},
		{Spec{Name: "com.example.b", Version: "2:1.0-3", Framework: "ubuntu-sdk-15.04", Arch: "all"}, "com.example.b_1.0-3_all.click"},
		{Spec{Name: "com.example.c", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: []string{"armhf", "arm64"}}, "com.example.c_1.0_multi.click"},
	}
	for _, tt := range tests {
		got := Build(t, dir, tt.spec)
		if filepath.Base(got) != tt.want {
			t.Errorf("Build(%s) = %s, want %s", tt.spec.Name, filepath.Base(got), tt.want)
		}
	}

	key := NewKey(t)
	if len(key.ID) != 16 {
		t.Fatalf("key ID %q is not a long key ID", key.ID)
	}
	signed := filepath.Join(dir, tests[0].want)
	Sign(t, key, signed)
	TrustForDebsig(t, key)
	verify := testenv.Tool(t, "debsig-verify")
	if out, err := exec.Command(verify, signed).CombinedOutput(); err != nil {
		t.Fatalf("debsig-verify of a freshly signed click: %v\n%s", err, out)
	}
}
