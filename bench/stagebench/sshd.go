package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// sshServer is an OpenSSH sshd on 127.0.0.1 playing snakefruit: its own host key, a client
// key authorised for the current user, a known_hosts line for [127.0.0.1]:PORT and a
// target folder (the bench's own few lines, so it does not follow internal/sshdtest's API).
type sshServer struct {
	Host, User, Dir, KeyPath, KnownHosts string
	Port                                 int
	cmd                                  *exec.Cmd
	done                                 chan struct{}
}

func startSSHD(work string) (*sshServer, error) {
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s := &sshServer{Host: "127.0.0.1", User: u.Username, Dir: filepath.Join(work, "target"),
		KeyPath: filepath.Join(work, "id_ed25519"), KnownHosts: filepath.Join(work, "known_hosts")}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	hostKey := filepath.Join(work, "ssh_host_ed25519_key")
	for _, k := range []string{hostKey, s.KeyPath} {
		if b, err := exec.Command(tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("ssh-keygen: %v: %s", err, b)
		}
	}
	clientPub, _ := os.ReadFile(s.KeyPath + ".pub")
	authKeys := filepath.Join(work, "authorized_keys")
	if err := os.WriteFile(authKeys, clientPub, 0o600); err != nil {
		return nil, err
	}
	hostPub, _ := os.ReadFile(hostKey + ".pub")
	f := strings.Fields(string(hostPub))
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755)
	}
	if s.Port, err = freePort(); err != nil {
		return nil, err
	}
	kh := fmt.Sprintf("[%s]:%d %s %s\n", s.Host, s.Port, f[0], f[1])
	if err := os.WriteFile(s.KnownHosts, []byte(kh), 0o644); err != nil {
		return nil, err
	}
	conf := filepath.Join(work, "sshd_config")
	os.WriteFile(conf, []byte(strings.Join([]string{
		"ListenAddress " + s.Host, fmt.Sprintf("Port %d", s.Port), "HostKey " + hostKey,
		"PidFile " + filepath.Join(work, "sshd.pid"), "AuthorizedKeysFile " + authKeys,
		"PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"UsePAM no", "PermitRootLogin prohibit-password", "StrictModes no", "UseDNS no",
		"PrintMotd no", "MaxStartups 64", "Subsystem sftp internal-sftp", ""}, "\n")), 0o644)
	s.cmd = exec.Command(tool("sshd"), "-D", "-e", "-f", conf)
	logf, _ := os.Create(filepath.Join(work, "sshd.log"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); logf.Close(); close(s.done) }()
	addr := net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-2.0-OpenSSH") {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("sshd exited: %s", tail(filepath.Join(work, "sshd.log")))
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.Stop()
	return nil, fmt.Errorf("sshd did not listen on %s: %s", addr, tail(filepath.Join(work, "sshd.log")))
}

// TargetURL is the sftp:// URL of Dir.
func (s *sshServer) TargetURL() string {
	return fmt.Sprintf("sftp://%s@%s:%d%s", s.User, s.Host, s.Port, s.Dir)
}

// Stop ends the listening sshd; a session ends with its client (every client is done by then).
func (s *sshServer) Stop() {
	s.cmd.Process.Kill()
	<-s.done
}
