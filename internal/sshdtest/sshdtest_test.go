package sshdtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"stagebot/internal/testenv"
)

// sftpBatch runs the OpenSSH sftp client against s, checking the setup from the outside.
func sftpBatch(t *testing.T, s *Server, batch string) (string, error) {
	t.Helper()
	bin := testenv.Tool(t, "sftp")
	file := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(file, []byte(batch), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), bin, "-b", file, "-i", s.KeyPath,
		"-o", "UserKnownHostsFile="+s.KnownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null",
		"-P", strconv.Itoa(s.Port), s.User+"@"+s.Host).CombinedOutput()
	return string(out), err
}

func TestSFTPClientCanPut(t *testing.T) {
	s := Start(t)
	src := filepath.Join(t.TempDir(), "hello.click")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := sftpBatch(t, s, "put "+src+" "+s.Dir+"/hello.click\n"); err != nil {
		t.Fatalf("sftp: %v\n%s\nsshd log:\n%s", err, out, s.Log())
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, "hello.click"))
	if err != nil || string(b) != "hello" {
		t.Fatalf("landed %q, %v", b, err)
	}
}

func TestStopDropsAndRestartServes(t *testing.T) {
	s := Start(t)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if out, err := sftpBatch(t, s, "ls\n"); err == nil {
		t.Fatalf("sftp worked against a stopped sshd:\n%s", out)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if out, err := sftpBatch(t, s, "ls "+s.Dir+"\n"); err != nil {
		t.Fatalf("sftp after restart: %v\n%s\nsshd log:\n%s", err, out, s.Log())
	}
}
