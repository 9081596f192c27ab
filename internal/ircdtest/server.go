// Package ircdtest runs Debian's InspIRCd (and, for accounts and SASL, Atheme linked to
// it) on 127.0.0.1 for tests and benchmarks, and has a small raw IRC client to play people
// in a channel. Missing servers skip a test on a developer's machine and fail it under
// CI=true.
package ircdtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// Options shape a server.
type Options struct {
	// Services links Atheme (NickServ, SaslServ) for accounts and SASL.
	Services bool
	// HistoryChannels exist from the start and replay up to 200 lines to whoever joins.
	HistoryChannels []string
	// TLS also serves clients over TLS (GnuTLS) on TLSAddr, with a certificate for
	// 127.0.0.1 and localhost from a throwaway CA (Server.CA). Clients' certificates are
	// asked for and their SHA-256 fingerprints passed to services, for SASL EXTERNAL.
	TLS bool
}

// Server is a running InspIRCd.
type Server struct {
	Addr     string // 127.0.0.1:port for clients
	Port     int
	LinkPort int
	// With Options.TLS: 127.0.0.1:port for clients over TLS, and the CA that signed the
	// server's certificate (CA.File is what a client trusts).
	TLSAddr string
	TLSPort int
	CA      *CA

	t       testing.TB // the test that started it (Start); nil for New
	opts    Options
	dir     string
	ircd    string
	atheme  string
	mu      sync.Mutex
	proc    *exec.Cmd
	exited  chan struct{}
	svc     *exec.Cmd
	svcDone chan struct{}
}

const startTimeout = 20 * time.Second

// Start runs a server for the test; it is stopped when the test ends. A server that is not
// installed or does not start skips the test (fails it under CI=true).
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	// Not t.TempDir: Atheme runs as the irc user and must reach its files, and the test's
	// temp dir is private to root.
	dir, err := os.MkdirTemp("", "ircdtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New(dir, o)
	var down unavailable
	switch {
	case errors.As(err, &down):
		testenv.Unavailable(t, "%v", err)
	case err != nil:
		t.Fatal(err)
	}
	s.t = t
	if s.CA != nil {
		s.CA.t = t
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("ircdtest logs:\n%s", s.logs())
		}
	})
	return s
}

// unavailable is an error of the server itself (not installed, exited, never listened)
// rather than of the harness: Start skips the test on it outside CI.
type unavailable struct{ err error }

func (u unavailable) Error() string { return u.err.Error() }

func unavailablef(format string, args ...any) error {
	return unavailable{fmt.Errorf(format, args...)}
}

// New runs a server with its files (config, logs, pid file, certificates) in dir, which must
// exist; with Options.Services the irc user must be able to reach it. It is Start without a
// test, for benchmarks; the caller stops the server with Close.
func New(dir string, o Options) (*Server, error) {
	s := &Server{opts: o, dir: dir}
	var err error
	if s.ircd, err = testenv.LookTool("inspircd"); err != nil {
		return nil, unavailable{err}
	}
	if o.Services {
		if s.atheme, err = testenv.LookTool("atheme-services"); err != nil {
			return nil, unavailable{err}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "motd"), []byte("stagebot tests\n"), 0o644); err != nil {
		return nil, err
	}
	var serverCert Cert
	if o.TLS {
		if s.CA, err = newCA(dir); err != nil {
			return nil, err
		}
		if serverCert, err = s.CA.serverCert("server"); err != nil {
			return nil, err
		}
	}
	// A port picked free may be taken before InspIRCd binds it (tests in other packages
	// pick theirs at the same time): it then runs without that listener, so the server is
	// started again on new ports.
	for attempt := 1; ; attempt++ {
		if err := s.pickPorts(); err != nil {
			return nil, err
		}
		conf := inspircdConf(dir, s.Port, s.LinkPort, s.TLSPort, serverCert, o)
		if err := os.WriteFile(filepath.Join(dir, "inspircd.conf"), []byte(conf), 0o644); err != nil {
			return nil, err
		}
		err := s.startIRCd()
		var taken portsTaken
		if errors.As(err, &taken) && attempt < 3 {
			continue
		}
		if err != nil {
			s.Close()
			return nil, err
		}
		break
	}
	if o.Services {
		if err := s.startServices(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// pickPort picks a port for one listener; a test makes it return a taken one.
var pickPort = testenv.PickFreePort

func (s *Server) pickPorts() error {
	var err error
	if s.Port, err = pickPort(); err != nil {
		return err
	}
	if s.LinkPort, err = pickPort(); err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	if s.opts.TLS {
		if s.TLSPort, err = pickPort(); err != nil {
			return err
		}
		s.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TLSPort))
	}
	return nil
}

// pid is the running InspIRCd's process ID, 0 when stopped.
func (s *Server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.Process.Pid
}

// ports are the ports the config has InspIRCd listen on.
func (s *Server) ports() []int {
	ports := []int{s.Port}
	if s.opts.Services {
		ports = append(ports, s.LinkPort) // the link listener exists for services only
	}
	if s.TLSPort != 0 {
		ports = append(ports, s.TLSPort)
	}
	return ports
}

// portsTaken: InspIRCd started without some of its listeners, whose ports another process
// holds; it has been stopped.
type portsTaken struct{ ports []int }

func (p portsTaken) Error() string { return fmt.Sprintf("inspircd could not bind ports %v", p.ports) }

// ClientTLS is a TLS configuration trusting only the server's CA, presenting cert when
// it is not nil.
func (s *Server) ClientTLS(cert *Cert) *tls.Config {
	if s.CA == nil {
		const msg = "ircdtest: ClientTLS on a server started without Options.TLS"
		if s.t == nil {
			panic(msg)
		}
		s.t.Helper()
		s.t.Fatal(msg)
	}
	c := &tls.Config{RootCAs: s.CA.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if cert != nil {
		c.Certificates = []tls.Certificate{cert.TLS}
	}
	return c
}

// detached starts processes in their own process group, so a test's Ctrl-C does not reach
// them before Stop does, and has the kernel kill them when the process that started them
// dies, so a killed test or benchmark leaves no server behind.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func (s *Server) startIRCd() error {
	out, err := os.OpenFile(filepath.Join(s.dir, "inspircd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var offset int64
	if st, err := out.Stat(); err == nil {
		offset = st.Size()
	}
	cmd := exec.Command(s.ircd, "--nofork", "--runasroot", "--config="+filepath.Join(s.dir, "inspircd.conf"))
	cmd.Stdout, cmd.Stderr = out, out
	// In the temp dir: with ssl_gnutls loaded, this InspIRCd (3.15.0-1) segfaults in
	// InspIRCd::Exit on SIGTERM, and its core file must not land in the source tree.
	cmd.Dir = s.dir
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		out.Close()
		return unavailablef("inspircd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	s.mu.Lock()
	s.proc, s.exited = cmd, exited
	s.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	ports := s.ports()
	for {
		// A dial alone could reach another process on a port InspIRCd failed to bind, so
		// the kernel is asked which of them InspIRCd itself listens on. It binds them all
		// while reading its config, and says so when one failed.
		missing, err := testenv.NotListening(cmd.Process.Pid, ports)
		switch {
		case err == nil && len(missing) == 0:
			return nil
		case err == nil && s.bindFailed(offset):
			s.Stop()
			return portsTaken{missing}
		}
		select {
		case <-exited:
			return unavailablef("inspircd exited at start:\n%s", s.logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return unavailablef("inspircd did not listen on %v within %s:\n%s", missing, startTimeout, s.logs())
		}
	}
}

func (s *Server) startServices() error {
	data := filepath.Join(s.dir, "atheme")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	conf := filepath.Join(data, "atheme.conf")
	if err := os.WriteFile(conf, []byte(athemeConf(s.LinkPort)), 0o644); err != nil {
		return err
	}
	args := []string{s.atheme, "-n", "-c", conf, "-D", data, "-p", filepath.Join(data, "atheme.pid"), "-l", filepath.Join(data, "atheme.log")}
	if os.Geteuid() == 0 {
		// Atheme refuses to run as root.
		if u, err := user.Lookup("irc"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := chownTree(data, uid, gid); err != nil {
				return err
			}
			args = append([]string{"runuser", "-u", "irc", "--"}, args...)
		}
	}
	out, err := os.Create(filepath.Join(s.dir, "atheme.out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		out.Close()
		return unavailablef("atheme-services: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(done) }()
	s.mu.Lock()
	s.svc, s.svcDone = cmd, done
	s.mu.Unlock()
	return s.awaitServices()
}

// awaitServices waits until the server offers SASL, which it does only while the
// services server is linked.
func (s *Server) awaitServices() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if s.offersSASL() {
			return nil
		}
		select {
		case <-s.svcDone:
			return unavailablef("atheme-services exited:\n%s", s.logs())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return unavailablef("atheme did not link within %s:\n%s", startTimeout, s.logs())
}

func (s *Server) offersSASL() bool {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("CAP LS 302\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 4096)
	var got []byte
	for !bytes.Contains(got, []byte("\n")) {
		n, err := c.Read(buf)
		if err != nil {
			return false
		}
		got = append(got, buf[:n]...)
	}
	return bytes.Contains(got, []byte(" sasl"))
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

// Stop stops the IRC server (Atheme stays and relinks when it is back).
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.proc, s.exited
	s.proc = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	// The PID file names the daemon itself.
	pid := cmd.Process.Pid
	if b, err := os.ReadFile(filepath.Join(s.dir, "inspircd.pid")); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pid = p
		}
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Restart stops the server and starts it again on the same port, and waits for the
// services to link again when it has them.
func (s *Server) Restart() error {
	s.Stop()
	if err := s.startIRCd(); err != nil {
		return err
	}
	if s.opts.Services {
		return s.awaitServices()
	}
	return nil
}

// Close stops the IRC server and its services.
func (s *Server) Close() {
	s.Stop()
	s.mu.Lock()
	svc, done := s.svc, s.svcDone
	s.svc = nil
	s.mu.Unlock()
	if svc != nil {
		_ = syscall.Kill(-svc.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-svc.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

// bindFailed reports whether InspIRCd said, past offset in its output (earlier runs wrote
// before it), that it could not bind a listener: it starts anyway.
func (s *Server) bindFailed(offset int64) bool {
	out, err := os.ReadFile(filepath.Join(s.dir, "inspircd.out"))
	return err == nil && int64(len(out)) > offset && bytes.Contains(out[offset:], []byte("listeners failed to bind"))
}

func (s *Server) logs() string {
	var b strings.Builder
	for _, name := range []string{"inspircd.out", "inspircd.log", "atheme.out", "atheme/atheme.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			continue
		}
		if len(data) > 8000 {
			data = data[len(data)-8000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", name, data)
	}
	return b.String()
}
