// Package sshdtest runs a real OpenSSH sshd on 127.0.0.1 for tests and benchmarks: its own host
// key, a client key authorised for the current user, a known_hosts file naming the server as
// [127.0.0.1]:PORT, and a folder to use as a snakefruit target. sftp is internal-sftp, so the
// server needs nothing beyond the sshd binary.
package sshdtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"stagebot/internal/testenv"
)

// startTimeout bounds how long sshd may take to listen; it normally takes milliseconds.
const startTimeout = 15 * time.Second

// Server is one running (or stopped) sshd.
type Server struct {
	Host       string // 127.0.0.1
	Port       int
	Addr       string // Host:Port
	User       string // the login name: the user running the tests
	Dir        string // an empty folder the tests may use as the snakefruit target
	KeyPath    string // the client's private key (unencrypted OpenSSH format)
	KnownHosts string // a known_hosts file holding this server's host key
	HostKey    ssh.PublicKey

	sshd    string
	opts    Options
	work    string
	config  string
	authKey string // authorized_keys path

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *syncBuffer
}

// Options vary the server.
type Options struct {
	// SFTPOnly forces internal-sftp on every session, as an sftp-only account is set up:
	// remote commands then get an sftp server instead of a shell.
	SFTPOnly bool
}

// Start runs an sshd for the test and stops it when the test ends. Without sshd, or if it
// cannot start, the test is skipped (failed under CI=true).
func Start(t testing.TB) *Server { t.Helper(); return StartOptions(t, Options{}) }

// StartOptions is Start with options.
func StartOptions(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := testenv.Tool(t, "sshd")
	s, err := New(bin, t.TempDir(), opts)
	if err != nil {
		testenv.Unavailable(t, "sshd: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stopping sshd: %v", err)
		}
	})
	return s
}

// New writes keys and config under work (which must exist and stay until Stop) and starts
// sshdPath. The caller must Stop it.
func New(sshdPath, work string, opts Options) (*Server, error) {
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host:       "127.0.0.1",
		User:       u.Username,
		Dir:        filepath.Join(work, "target"),
		KeyPath:    filepath.Join(work, "id_ed25519"),
		KnownHosts: filepath.Join(work, "known_hosts"),
		sshd:       sshdPath,
		opts:       opts,
		work:       work,
		config:     filepath.Join(work, "sshd_config"),
		authKey:    filepath.Join(work, "authorized_keys"),
		log:        &syncBuffer{},
	}
	if err := os.Mkdir(s.Dir, 0o755); err != nil {
		return nil, err
	}
	hostKeyPath := filepath.Join(work, "ssh_host_ed25519_key")
	hostPub, err := writeKey(hostKeyPath)
	if err != nil {
		return nil, err
	}
	s.HostKey = hostPub
	clientPub, err := writeKey(s.KeyPath)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeKey(clientPub); err != nil {
		return nil, err
	}
	// As root, sshd wants its privilege separation directory; the package's service would
	// create it, but here no service runs.
	if os.Geteuid() == 0 {
		_ = os.MkdirAll("/run/sshd", 0o755)
	}
	// A free port can be taken before sshd binds it; another one will do.
	var lastErr error
	for range 3 {
		s.Port = freePort()
		s.Addr = net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
		if err := s.writeConfig(hostKeyPath); err != nil {
			return nil, err
		}
		if err := os.WriteFile(s.KnownHosts, []byte(knownhosts.Line([]string{s.Addr}, hostPub)+"\n"), 0o644); err != nil {
			return nil, err
		}
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// AuthorizeKey lets key log in too (sshd reads authorized_keys at each login).
func (s *Server) AuthorizeKey(key ssh.PublicKey) error {
	f, err := os.OpenFile(s.authKey, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(ssh.MarshalAuthorizedKey(key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// TargetURL is the sftp:// URL of Dir.
func (s *Server) TargetURL() string {
	return fmt.Sprintf("sftp://%s@%s%s", s.User, s.Addr, filepath.ToSlash(s.Dir))
}

// Log returns what sshd wrote so far (it runs with -e), for failure messages.
func (s *Server) Log() string { return s.log.String() }

func (s *Server) writeConfig(hostKey string) error {
	conf := strings.Join([]string{
		"ListenAddress " + s.Host,
		fmt.Sprintf("Port %d", s.Port),
		"HostKey " + hostKey,
		"PidFile " + filepath.Join(s.work, "sshd.pid"),
		"AuthorizedKeysFile " + s.authKey,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"PermitRootLogin prohibit-password",
		"StrictModes no",
		"UseDNS no",
		"PrintMotd no",
		"MaxStartups 64",
		"LogLevel INFO",
		"Subsystem sftp internal-sftp",
	}, "\n") + "\n"
	if s.opts.SFTPOnly {
		conf += "ForceCommand internal-sftp\n"
	}
	return os.WriteFile(s.config, []byte(conf), 0o644)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("sshd is already running")
	}
	logStart := s.log.Len()
	cmd := exec.Command(s.sshd, "-D", "-e", "-f", s.config)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// If the test binary dies, sshd must not outlive it and hold the port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	listening := fmt.Sprintf("Server listening on %s port %d", s.Host, s.Port)
	deadline := time.Now().Add(startTimeout)
	retry := time.NewTicker(10 * time.Millisecond)
	defer retry.Stop()
	for {
		// Ready means: sshd says it listens, and a dial there gets an OpenSSH banner.
		if strings.Contains(s.log.String()[logStart:], listening) && sshBanner(s.Addr) {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("sshd exited while starting: %s", s.log.String()[logStart:])
		case <-retry.C:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("sshd did not listen on %s within %v: %s", s.Addr, startTimeout, s.log.String()[logStart:])
		}
	}
}

func sshBanner(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-OpenSSH")
}

// Stop ends sshd and every session it forked, so that open connections drop as they would
// when the host goes away (killing only the listener would leave sessions running).
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	pid := s.cmd.Process.Pid
	// Frozen, the listener forks no new session between our look at its children and the kill.
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	kids := descendants(pid)
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd, s.exited = nil, nil
	return waitGone(kids, startTimeout)
}

// Restart stops sshd and starts it again on the same port with the same keys.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	children := make(map[int][]int)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var p int
		if _, err := fmt.Sscan(e.Name(), &p); err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// parentOf reads the parent pid from /proc/PID/stat; the command name may hold spaces and
// parentheses, so the fields are counted from the last ')'.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	var state string
	var ppid int
	if _, err := fmt.Sscan(string(b[i+1:]), &state, &ppid); err != nil {
		return 0, false
	}
	return ppid, true
}

// waitGone waits until every pid has exited (gone or a zombie: either way its sockets are
// closed), since they are no longer our children and cannot be waited for.
func waitGone(pids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for _, p := range pids {
		for alive(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("sshd session process %d did not exit", p)
			}
			<-tick.C
		}
	}
	return nil
}

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && !bytes.HasPrefix(bytes.TrimSpace(b[i+1:]), []byte("Z"))
}

// writeKey writes a new ed25519 private key in OpenSSH format, mode 0600 (sshd and ssh refuse
// keys others can read), and returns its public half.
func writeKey(path string) (ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewPublicKey(pub)
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects sshd's output from its copying goroutine while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// Freeze stops sshd and every session it forked without closing anything: the kernel
// still accepts connections and takes bytes until the buffers fill, and nothing answers,
// as when a host hangs or a link dies silently. Thaw undoes it; Stop works on a frozen
// server too.
func (s *Server) Freeze() { s.signalAll(syscall.SIGSTOP) }

// Thaw lets a frozen server run again.
func (s *Server) Thaw() { s.signalAll(syscall.SIGCONT) }

func (s *Server) signalAll(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	_ = syscall.Kill(pid, sig)
	for _, k := range descendants(pid) {
		_ = syscall.Kill(k, sig)
	}
}
