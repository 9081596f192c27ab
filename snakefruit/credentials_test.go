package snakefruit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestCheckFilesAgreesWithOpen: CheckFiles reports every problem with the key and
// known_hosts, and Open (which reads them the same way, before any connection) refuses
// exactly the configs CheckFiles finds a problem in, with its first one.
func TestCheckFilesAgreesWithOpen(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain, _ := writeClientKey(t, "")
	encrypted, _ := writeClientKey(t, "sesame")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	known := write("known_hosts", knownhosts.Line([]string{"[snakefruit.example]:2222"}, hostKey)+"\n")
	otherHost := write("known_other", knownhosts.Line([]string{"elsewhere.example"}, hostKey)+"\n")
	publicHalf := write("id.pub", string(ssh.MarshalAuthorizedKey(hostKey)))
	notAKey := write("garbage", "not a key\n")
	empty := write("empty", "# nothing yet\n\n")
	missing := filepath.Join(dir, "missing")

	cases := []struct {
		name        string
		key, pass   string
		knownHosts  string
		want        []string // fragments, one a problem, in order
		wantUnknown bool
	}{
		{name: "plain key", key: plain, knownHosts: known},
		{name: "encrypted key with its passphrase", key: encrypted, pass: "sesame", knownHosts: known},
		{name: "encrypted key, no passphrase", key: encrypted, knownHosts: known, want: []string{"ssh_key: " + encrypted + " is encrypted and no passphrase is configured"}},
		{name: "encrypted key, wrong passphrase", key: encrypted, pass: "nope", knownHosts: known, want: []string{"ssh_key: " + encrypted + ": the passphrase does not decrypt it"}},
		{name: "not a key", key: notAKey, knownHosts: known, want: []string{"ssh_key: " + notAKey + " is not a private key"}},
		{name: "public half", key: publicHalf, knownHosts: known, want: []string{"ssh_key: " + publicHalf + " is a public key; give its private half"}},
		{name: "missing key", key: missing, knownHosts: known, want: []string{"ssh_key: cannot read " + missing + ": no such file or directory"}},
		{name: "garbage known_hosts", key: plain, knownHosts: notAKey, want: []string{"known_hosts: " + notAKey + " is not a known_hosts file"}},
		{name: "empty known_hosts", key: plain, knownHosts: empty, want: []string{"known_hosts: " + empty + " holds no host key; add the server's with: ssh-keyscan -p 2222 snakefruit.example >> " + empty}},
		{name: "both wrong", key: notAKey, knownHosts: missing, want: []string{"ssh_key: " + notAKey, "known_hosts: cannot read " + missing}},
		{name: "host not in known_hosts", key: plain, knownHosts: otherHost, wantUnknown: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Target: "sftp://lander@snakefruit.example:2222/srv/clicks", SSHKey: c.key, Passphrase: c.pass, KnownHosts: c.knownHosts}
			errs, unknown := cfg.CheckFiles()
			if len(errs) != len(c.want) {
				t.Fatalf("CheckFiles found %v, want %d problems", errs, len(c.want))
			}
			for i, w := range c.want {
				if got := "snakefruit: config " + errs[i].Field + ": " + errs[i].Problem; !strings.Contains(got, w) || errs[i].Error() != got {
					t.Errorf("problem %d = %q, want it to say %q", i, errs[i], w)
				}
			}
			if (unknown != "") != c.wantUnknown || (c.wantUnknown && unknown != "snakefruit.example:2222") {
				t.Errorf("unknown host = %q, want one: %v", unknown, c.wantUnknown)
			}
			tg, err := Open(t.Context(), cfg)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("Open refused what CheckFiles passed: %v", err)
				}
				tg.Close()
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || *ce != *errs[0] {
				t.Fatalf("Open error = %v, want CheckFiles's first problem %v", err, errs[0])
			}
		})
	}
}

// TestCheckFilesFileTarget: a file:// target reads no key files, whatever they say.
func TestCheckFilesFileTarget(t *testing.T) {
	errs, unknown := Config{Target: "file:///srv/clicks", SSHKey: "/nonexistent", KnownHosts: "/nonexistent"}.CheckFiles()
	if len(errs) != 0 || unknown != "" {
		t.Fatalf("CheckFiles = %v, %q; want nothing for a file:// target", errs, unknown)
	}
}

// TestHostKeyAlgorithms: the key types known_hosts holds for the host come first in what
// the client offers, so that a server holding several host keys presents one known_hosts
// can vouch for; a host known_hosts does not list gets no preference.
func TestHostKeyAlgorithms(t *testing.T) {
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edKey, err := ssh.NewPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := ssh.NewPublicKey(&rsaPriv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		key   ssh.PublicKey
		addr  string
		first []string
	}{
		{"ed25519", edKey, "snakefruit.example:22", []string{ssh.KeyAlgoED25519}},
		{"rsa", rsaKey, "snakefruit.example:22", []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}},
		{"rsa on another port", rsaKey, "[snakefruit.example]:2222", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(p, []byte(knownhosts.Line([]string{c.addr}, c.key)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			check, err := knownhosts.New(p)
			if err != nil {
				t.Fatal(err)
			}
			got := hostKeyAlgorithms(check, "snakefruit.example:22")
			if c.first == nil {
				if got != nil {
					t.Fatalf("algorithms %v for a host known_hosts does not list, want none preferred", got)
				}
				return
			}
			if len(got) <= len(c.first) || !slices.Equal(got[:len(c.first)], c.first) {
				t.Fatalf("algorithms %v, want %v first", got, c.first)
			}
		})
	}
}
