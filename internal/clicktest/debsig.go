package clicktest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"stagebot/internal/testenv"
)

// Where debsig-verify looks for policies and keyrings; fixed paths, so tests that use them
// must run as a user who may write there and must remove what they add.
const (
	DebsigPolicyDir  = "/etc/debsig/policies"
	DebsigKeyringDir = "/usr/share/debsig/keyrings"
)

// TrustForDebsig installs a debsig-verify policy and keyring for k and removes both when the
// test ends. Directories it cannot write make the peer unavailable (skip, or fail in CI).
func TrustForDebsig(t testing.TB, k Key) {
	t.Helper()
	policyDir := filepath.Join(DebsigPolicyDir, k.ID)
	keyringDir := filepath.Join(DebsigKeyringDir, k.ID)
	t.Cleanup(func() {
		os.RemoveAll(policyDir)
		os.RemoveAll(keyringDir)
	})
	pub, err := os.ReadFile(k.PublicKeyring)
	if err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	policy := fmt.Sprintf(`<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="stagebot-test" id="%[1]s" Description="stagebot test key"/>
  <Selection>
    <Required Type="origin" File="origin.pub" id="%[1]s"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="origin.pub" id="%[1]s"/>
  </Verification>
</Policy>
`, k.ID)
	for _, step := range []func() error{
		func() error { return os.MkdirAll(policyDir, 0o755) },
		func() error { return os.MkdirAll(keyringDir, 0o755) },
		func() error { return os.WriteFile(filepath.Join(policyDir, "generic.pol"), []byte(policy), 0o644) },
		func() error { return os.WriteFile(filepath.Join(keyringDir, "origin.pub"), pub, 0o644) },
	} {
		if err := step(); err != nil {
			testenv.Unavailable(t, "cannot install a debsig-verify policy: %v", err)
		}
	}
}
