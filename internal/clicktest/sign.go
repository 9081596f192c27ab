package clicktest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/testenv"
)

// Key is a throwaway gpg signing key.
type Key struct {
	ID            string // long key ID, 16 upper-case hex digits, as debsig-verify names policies
	Fingerprint   string // the key's fingerprint as gpg lists it, upper-case hex
	Home          string // GNUPGHOME holding the secret key
	PublicKeyring string // binary export of the public key
}

// gpgConf makes gpg (and so debsigs) sign with SHA512: debsigs asks for no digest itself
// and this gpg refuses SHA1 signatures.
const gpgConf = "personal-digest-preferences SHA512\ncert-digest-algo SHA512\ndigest-algo SHA512\n"

// NewKey makes an unprotected ed25519 key (quick to generate) in a fresh GNUPGHOME.
func NewKey(t testing.TB) Key {
	t.Helper()
	gpg := testenv.Tool(t, "gpg")
	// gpg puts its agent socket in GNUPGHOME when /run/user is absent; a short path keeps it
	// under the 108-byte socket limit that t.TempDir's long names can exceed.
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	t.Cleanup(func() {
		if gpgconf, err := exec.LookPath("gpgconf"); err == nil {
			cmd := exec.Command(gpgconf, "--kill", "all")
			cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
			_ = cmd.Run()
		}
		os.RemoveAll(home)
	})
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(home, "gpg.conf"), []byte(gpgConf), 0o600); err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(gpg, append([]string{"--batch", "--no-tty"}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("clicktest: gpg %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}
	run("--passphrase", "", "--quick-gen-key", "stagebot test <tests@example.invalid>", "ed25519", "sign", "never")
	var id, fpr string
	for _, line := range strings.Split(string(run("--with-colons", "--list-secret-keys")), "\n") {
		f := strings.Split(line, ":")
		switch {
		case len(f) > 4 && f[0] == "sec" && id == "":
			id = strings.ToUpper(f[4])
		case len(f) > 9 && f[0] == "fpr" && id != "" && fpr == "":
			// The first fpr record after sec is the primary key's, which signs.
			fpr = strings.ToUpper(f[9])
		}
	}
	if id == "" || fpr == "" {
		t.Fatalf("clicktest: no secret key after gpg --quick-gen-key")
	}
	pub := filepath.Join(home, "public.gpg")
	if err := os.WriteFile(pub, run("--export", id), 0o644); err != nil {
		t.Fatalf("clicktest: %v", err)
	}
	return Key{ID: id, Fingerprint: fpr, Home: home, PublicKeyring: pub}
}

// Sign signs a click with debsigs --sign=origin, appending an _gpgorigin member.
func Sign(t testing.TB, k Key, clickPath string) {
	t.Helper()
	debsigs := testenv.Tool(t, "debsigs")
	cmd := exec.Command(debsigs, "--sign=origin", "--default-key="+k.ID, clickPath)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+k.Home)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clicktest: debsigs: %v\n%s", err, b)
	}
}
