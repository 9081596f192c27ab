// Package dendritetest runs a real Matrix homeserver, Dendrite, on 127.0.0.1 for tests and
// benchmarks, with users made by the shared-secret registration endpoint and a small
// client-server API client to play the people in the rooms. Dendrite is built from the Go
// module proxy once into the user's cache (Install). A server that cannot be built or
// started skips the test on a developer's machine and fails it under CI=true.
//
// A bot's test, in outline:
//
//	s := dendritetest.Start(t)
//	botID, botToken := s.RegisterUser(t, "stagebot", "pw-stagebot", false)
//	alice := s.User(t, "alice")
//	room := alice.CreateRoom(dendritetest.RoomOptions{Alias: "landing", Invite: []string{botID}})
//	// ... run the bot with homeserver s.URL (or a Front's URL), botID and botToken ...
//	alice.Say(room, "!status")
//	answer := alice.Expect(dendritetest.In(room, dendritetest.TextFrom(botID, "pending")))
//
// Dendrite advertises client-server spec versions up to v1.2; the client here uses no
// endpoint newer than that.
package dendritetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
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
	// ServerName is the homeserver's name, the part after the colon in user IDs and room
	// aliases; default DefaultServerName.
	ServerName string
	// RateLimit turns Dendrite's rate limiting on; without it nothing is limited.
	RateLimit *RateLimit
}

// DefaultServerName is the server name unless Options say otherwise.
const DefaultServerName = "stagebot.test"

// RateLimit is Dendrite's own limiter: each request to a limited endpoint takes one of
// Threshold slots of the calling user's device, and gives it back Cooloff later; a request
// finding no free slot is answered 429 M_LIMIT_EXCEEDED with retry_after_ms = Cooloff.
// Dendrite limits joins, leaves, invites, /account/whoami, typing, receipts, profile and
// login, but not sending events (/send, /state, /redact): a test that needs a limited send
// injects the answer with a Front. Server admins are never limited.
type RateLimit struct {
	Threshold int
	Cooloff   time.Duration
	// Exempt names users (localparts) never limited, such as the test's own people when
	// only the bot should hit the limit.
	Exempt []string
}

// Server is a running (or stopped) Dendrite.
type Server struct {
	URL        string // http://127.0.0.1:PORT, the client-server API base URL
	Addr       string // 127.0.0.1:PORT
	Port       int
	ServerName string
	Dir        string // config, signing key, databases and log

	bin    string // folder with dendrite and generate-keys
	opts   Options
	secret string // registration_shared_secret
	http   *http.Client

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	started time.Duration // how long the last start took, until the API answered
}

// startTimeout bounds one start: Dendrite answers after 0.2 to 1.5 s on an idle machine.
const startTimeout = 60 * time.Second

// installTimeout bounds waiting for Dendrite's build: about two minutes on a fresh
// two-core machine.
const installTimeout = 15 * time.Minute

// Start runs a server for the test; it is stopped when the test ends, and its log is
// shown if the test failed. Dendrite is built first if the cache has no copy.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	bin := binaries(t)
	s, err := New(bin, t.TempDir(), o)
	var down unavailable
	switch {
	case errors.As(err, &down):
		testenv.Unavailable(t, "%v", err)
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("dendritetest: stopping: %v", err)
		}
		if t.Failed() {
			t.Logf("dendritetest: the end of Dendrite's log:\n%s", s.Log(12000))
		}
	})
	return s
}

// built is the outcome of the one attempt a test binary makes to get Dendrite: a build
// that failed is not tried again by every later test.
var built struct {
	sync.Mutex
	done bool
	dir  string
	err  error
}

// binaries returns the folder holding Dendrite's commands, building them the first time.
func binaries(t testing.TB) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if !built.done {
		built.dir, built.err = install(t)
		built.done = true
	}
	if built.err != nil {
		testenv.Unavailable(t, "%v", built.err)
	}
	return built.dir
}

func install(t testing.TB) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			var c2 context.CancelFunc
			ctx, c2 = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
			defer c2()
		}
	}
	var out bytes.Buffer
	start := time.Now()
	dir, err := Install(ctx, &out, func() {
		t.Logf("dendritetest: waiting for another process building Dendrite %s", Version)
	})
	if err != nil {
		return "", fmt.Errorf("building Dendrite %s: %v\n%s", Version, err, tail(out.Bytes(), 4000))
	}
	if out.Len() > 0 || time.Since(start) > time.Second {
		t.Logf("dendritetest: Dendrite %s ready after %s", Version, time.Since(start).Round(time.Second))
	}
	return dir, nil
}

// unavailable is an error of Dendrite itself (missing, exited, never answered) rather than
// of the harness: Start skips the test on it outside CI.
type unavailable struct{ err error }

func (u unavailable) Error() string { return u.err.Error() }

func unavailablef(format string, args ...any) error {
	return unavailable{fmt.Errorf(format, args...)}
}

// New writes a signing key and config into dir (which must exist and stay until Stop) and
// starts the dendrite in bin. It is Start without a test, for benchmarks; the caller stops
// the server.
func New(bin, dir string, o Options) (*Server, error) {
	if o.ServerName == "" {
		o.ServerName = DefaultServerName
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	s := &Server{
		ServerName: o.ServerName,
		Dir:        dir,
		bin:        bin,
		opts:       o,
		secret:     hex.EncodeToString(secret),
		http:       &http.Client{},
	}
	keygen := exec.Command(filepath.Join(bin, "generate-keys"), "-private-key", filepath.Join(dir, "matrix_key.pem"))
	if out, err := keygen.CombinedOutput(); err != nil {
		return nil, unavailablef("generate-keys: %v: %s", err, out)
	}
	conf, err := config(dir, o, s.secret)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.configPath(), conf, 0o600); err != nil {
		return nil, err
	}
	// A port picked free may be taken before Dendrite binds it (other packages' tests pick
	// theirs at the same time): Dendrite then exits, and is started again on another.
	for attempt := 1; ; attempt++ {
		port, err := pickPort()
		if err != nil {
			return nil, err
		}
		s.Port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.URL = "http://" + s.Addr
		err = s.start()
		var taken portTaken
		if errors.As(err, &taken) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// pickPort picks the port to listen on; a test makes it return a taken one.
var pickPort = testenv.PickFreePort

func (s *Server) configPath() string { return filepath.Join(s.Dir, "dendrite.yaml") }
func (s *Server) logPath() string    { return filepath.Join(s.Dir, "dendrite.log") }

// portTaken: Dendrite exited because another process holds its port.
type portTaken struct{ port int }

func (p portTaken) Error() string { return fmt.Sprintf("dendrite could not bind port %d", p.port) }

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("dendrite is already running")
	}
	out, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	st, _ := out.Stat()
	offset := st.Size()
	begin := time.Now()
	cmd := exec.Command(filepath.Join(s.bin, "dendrite"), "-config", s.configPath(), "-http-bind-address", s.Addr)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so a test's Ctrl-C does not reach it before Stop does; and
	// killed by the kernel when the process that started it dies, so a killed test leaves
	// no server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return unavailablef("dendrite: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		// A dial alone could reach another process on a port Dendrite failed to bind, so
		// the kernel is asked whether Dendrite itself listens there.
		missing, err := testenv.NotListening(cmd.Process.Pid, []int{s.Port})
		if err == nil && len(missing) == 0 && s.answers() {
			s.cmd, s.exited, s.started = cmd, exited, time.Since(begin)
			return nil
		}
		select {
		case <-exited:
			if bytes.Contains(s.logSince(offset), []byte("address already in use")) {
				return portTaken{s.Port}
			}
			return unavailablef("dendrite exited at start:\n%s", tail(s.logSince(offset), 8000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return unavailablef("dendrite did not answer on %s within %s:\n%s", s.URL, startTimeout, tail(s.logSince(offset), 8000))
		}
	}
}

// answers reports whether the client-server API answers /versions.
func (s *Server) answers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/_matrix/client/versions", nil)
	resp, err := s.http.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends Dendrite: SIGTERM, then SIGKILL if it has not exited within 10 s.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited = nil, nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("dendrite ignored SIGTERM for 10 s and was killed")
	}
}

// Restart stops Dendrite and starts it again on the same port with the same databases:
// users, tokens, rooms and sync positions survive.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// StartTime is how long the last start took, from exec until /versions answered.
func (s *Server) StartTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// RSS is the resident memory of the running Dendrite, in bytes.
func (s *Server) RSS() (int64, error) {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return 0, errors.New("dendrite is not running")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// Log returns up to the last n bytes Dendrite wrote.
func (s *Server) Log(n int) string { return string(tail(s.logSince(0), n)) }

func (s *Server) logSince(offset int64) []byte {
	b, err := os.ReadFile(s.logPath())
	if err != nil || int64(len(b)) < offset {
		return nil
	}
	return b[offset:]
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return b
}

// UserID is the full user ID of a local user.
func (s *Server) UserID(localpart string) string { return userID(localpart, s.ServerName) }

// Alias is the full alias of a local room alias name.
func (s *Server) Alias(name string) string { return "#" + name + ":" + s.ServerName }

func userID(localpart, serverName string) string { return "@" + localpart + ":" + serverName }
