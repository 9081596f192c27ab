package snakefruit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"stagebot/internal/keyfiletest"
	"stagebot/internal/sshdtest"
)

func sftpConfig(s *sshdtest.Server) Config {
	return Config{Target: s.TargetURL(), SSHKey: s.KeyPath, KnownHosts: s.KnownHosts, DialTimeout: 5 * time.Second}
}

func openSFTP(t *testing.T, cfg Config) Target {
	t.Helper()
	tg, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func TestSFTPTarget(t *testing.T) {
	runTargetSuite(t, func(t *testing.T) (Target, string) {
		t.Helper()
		s := sshdtest.Start(t)
		return openSFTP(t, sftpConfig(s)), s.Dir
	})
}

// writeKnownHosts writes a known_hosts file with one line for addr.
func writeKnownHosts(t *testing.T, addr string, key ssh.PublicKey) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(file, []byte(knownhosts.Line([]string{addr}, key)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func newPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSFTPHostKeyRefused(t *testing.T) {
	s := sshdtest.Start(t)
	c := click(t, "foo_1_all.click", "foo")
	tests := []struct {
		name        string
		knownHosts  string
		wantUnknown bool
	}{
		{"mismatch", writeKnownHosts(t, s.Addr, newPublicKey(t)), false},
		{"unknown host", writeKnownHosts(t, "[127.0.0.2]:22", s.HostKey), true},
		{"port differs", writeKnownHosts(t, s.Host, s.HostKey), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sftpConfig(s)
			cfg.KnownHosts = tt.knownHosts
			tg := openSFTP(t, cfg)
			err := Lock(t.Context(), tg, c)
			var hk *HostKeyError
			if !errors.As(err, &hk) {
				t.Fatalf("Lock error = %v, want a HostKeyError", err)
			}
			fp := ssh.FingerprintSHA256(s.HostKey)
			if hk.Fingerprint != fp || hk.Type != ssh.KeyAlgoED25519 || hk.Unknown != tt.wantUnknown {
				t.Errorf("HostKeyError = %+v, want fingerprint %s, unknown %v", hk, fp, tt.wantUnknown)
			}
			if !strings.Contains(err.Error(), fp) {
				t.Errorf("message %q does not name %s", err, fp)
			}
			if !IsPermanent(err) {
				t.Errorf("a host key error is not permanent: %v", err)
			}
			if got := snapshot(t, s.Dir); len(got) != 0 {
				t.Errorf("written despite the refused key: %q", got)
			}
		})
	}
}

// TestSFTPServerStopAndRestart: with sshd gone, every operation fails soon and retryably; once
// it is back, the same Target works again.
func TestSFTPServerStopAndRestart(t *testing.T) {
	s := sshdtest.Start(t)
	cfg := sftpConfig(s)
	cfg.DialTimeout = 2 * time.Second
	tg := openSFTP(t, cfg)
	ctx := testContext(t)
	foo1 := click(t, "foo_1_all.click", "foo one")
	if err := Lock(ctx, tg, foo1); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	foo2 := click(t, "foo_2_all.click", "foo two")
	ops := []struct {
		name string
		op   func(context.Context) error
	}{
		{"Put", func(ctx context.Context) error { return tg.Put(ctx, foo2.Filename, foo2.Src, foo2.Size, foo2.SHA256) }},
		{"ReadList", func(ctx context.Context) error { _, err := tg.ReadList(ctx); return err }},
		{"EditList", func(ctx context.Context) error {
			return tg.EditList(ctx, func(l []string) ([]string, error) { return append(l, "x.click"), nil })
		}},
		{"Files", func(ctx context.Context) error { _, err := tg.Files(ctx); return err }},
		{"Remove", func(ctx context.Context) error { return tg.Remove(ctx, foo1.Filename) }},
		{"SweepTemps", func(ctx context.Context) error { return tg.SweepTemps(ctx) }},
		{"Lock", func(ctx context.Context) error { return Lock(ctx, tg, foo2) }},
	}
	for _, o := range ops {
		start := time.Now()
		err := o.op(ctx)
		if took := time.Since(start); took > cfg.DialTimeout+time.Second {
			t.Errorf("%s took %v with sshd down", o.name, took)
		}
		if err == nil {
			t.Errorf("%s succeeded with sshd down", o.name)
		} else if IsPermanent(err) {
			t.Errorf("%s: error %v is permanent; a retry may cure it", o.name, err)
		}
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	foo2.Replaces = foo1.Filename
	if err := Lock(ctx, tg, foo2); err != nil {
		t.Fatalf("Lock after restart: %v", err)
	}
	mustEqualLines(t, readListFile(t, s.Dir), foo2.Filename)
	assertSameFolder(t, snapshot(t, s.Dir), map[string]string{foo2.Filename: "foo two", DefaultListFile: foo2.Filename + "\n"})
}

// TestSFTPStalledServerTimesOut: a server that accepts and then says nothing must not hang us
// past DialTimeout.
func TestSFTPStalledServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		l.Close()
		for c := range accepted {
			c.Close()
		}
	}()
	s := sshdtest.Start(t) // only for its keys
	cfg := sftpConfig(s)
	cfg.Target = "sftp://" + s.User + "@" + l.Addr().String() + "/srv"
	cfg.KnownHosts = writeKnownHosts(t, l.Addr().String(), s.HostKey)
	cfg.DialTimeout = 300 * time.Millisecond
	tg := openSFTP(t, cfg)
	start := time.Now()
	_, err = tg.ReadList(t.Context())
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("ReadList took %v against a stalled server", took)
	}
	if err == nil || IsPermanent(err) {
		t.Fatalf("ReadList error = %v, want a retryable one", err)
	}
}

// writeClientKey writes a new client key (encrypted with passphrase unless "") into a
// folder of the test's and returns its path and public half.
func writeClientKey(t *testing.T, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "key")
	return file, keyfiletest.SSHKey(t, file, passphrase)
}

func TestSFTPKeys(t *testing.T) {
	s := sshdtest.Start(t)
	encrypted, encPub := writeClientKey(t, "sesame")
	if err := s.AuthorizeKey(encPub); err != nil {
		t.Fatal(err)
	}
	stranger, _ := writeClientKey(t, "")
	tests := []struct {
		name       string
		key, pass  string
		openErr    bool // refused by Open, before any connection
		permanent  bool // the first operation's error, if any
		wantWorked bool
	}{
		{"plain key", s.KeyPath, "", false, false, true},
		{"encrypted key with passphrase", encrypted, "sesame", false, false, true},
		{"encrypted key, no passphrase", encrypted, "", true, true, false},
		{"encrypted key, wrong passphrase", encrypted, "nope", true, true, false},
		{"key the server does not know", stranger, "", false, true, false},
		{"missing key file", filepath.Join(t.TempDir(), "none"), "", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sftpConfig(s)
			cfg.SSHKey, cfg.Passphrase = tt.key, tt.pass
			tg, err := Open(t.Context(), cfg)
			if tt.openErr {
				if err == nil || !IsPermanent(err) {
					t.Fatalf("Open error = %v, want a permanent one", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			_, err = tg.ReadList(t.Context())
			if tt.wantWorked != (err == nil) || (err != nil && IsPermanent(err) != tt.permanent) {
				t.Fatalf("ReadList error = %v (permanent %v)", err, IsPermanent(err))
			}
			var auth *AuthError
			if !tt.wantWorked && !errors.As(err, &auth) {
				t.Errorf("error %v is not an AuthError", err)
			}
		})
	}
}

func TestOpenConfigErrors(t *testing.T) {
	s := sshdtest.Start(t)
	good := sftpConfig(s)
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"unknown scheme", func(c *Config) { c.Target = "ftp://h/x" }},
		{"relative file path", func(c *Config) { c.Target = "file://rel/x" }},
		{"no path", func(c *Config) { c.Target = "sftp://u@h:22" }},
		{"no user", func(c *Config) { c.Target = "sftp://h:22/x" }},
		{"password in URL", func(c *Config) { c.Target = "sftp://u:pw@h:22/x" }},
		{"bad port", func(c *Config) { c.Target = "sftp://u@h:99999/x" }},
		{"no known_hosts", func(c *Config) { c.KnownHosts = "" }},
		{"unreadable known_hosts", func(c *Config) { c.KnownHosts = "/nonexistent/known_hosts" }},
		{"no key", func(c *Config) { c.SSHKey = "" }},
		{"list file escapes", func(c *Config) { c.ListFile = "../list" }},
		{"list file absolute", func(c *Config) { c.ListFile = "/etc/list" }},
		{"list file is a temp name", func(c *Config) { c.ListFile = TempPrefix + "list" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			tg, err := Open(t.Context(), cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || !IsPermanent(err) {
				if tg != nil {
					tg.Close()
				}
				t.Fatalf("Open(%+v) error = %v, want a ConfigError", cfg, err)
			}
		})
	}
	tg := openSFTP(t, good)
	if got, want := tg.String(), s.TargetURL(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
