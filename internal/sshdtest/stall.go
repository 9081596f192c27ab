package sshdtest

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
)

// StallSessions stops (SIGSTOP) the SFTP session processes of every connection open now
// (`sshd: USER@internal-sftp`), and nothing else: the listener still accepts and serves
// new connections, and each connection's own sshd process still answers keepalives, while
// no request on those sessions is answered, as when the process serving a client hangs.
// It returns the processes stopped and resume, which lets them run again (Stop ends them
// either way).
func (s *Server) StallSessions() (pids []int, resume func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil, func() {}
	}
	for _, p := range descendants(s.cmd.Process.Pid) {
		if isSFTPSession(p) && syscall.Kill(p, syscall.SIGSTOP) == nil {
			pids = append(pids, p)
		}
	}
	return pids, func() {
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGCONT)
		}
	}
}

// Stopped reports whether pid is stopped (by a signal), from /proc.
func Stopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && bytes.HasPrefix(bytes.TrimSpace(b[i+1:]), []byte("T"))
}

// isSFTPSession tells an sftp session's process by the title sshd gives it.
func isSFTPSession(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(b, []byte("@internal-sftp"))
}
