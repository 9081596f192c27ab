package dendritetest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// helperEnv makes the test binary a process that starts a Dendrite, prints its pid and
// waits to be killed.
const helperEnv = "DENDRITETEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		startAndWait(dir)
	}
	os.Exit(m.Run())
}

func startAndWait(dir string) {
	bin, err := Install(context.Background(), os.Stderr, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s, err := New(bin, dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("pid %d\n", s.cmd.Process.Pid)
	select {}
}

// TestKilledTestLeavesNoServer: when the process that started Dendrite dies without
// cleaning up (a test binary killed on time-out), Dendrite dies with it.
func TestKilledTestLeavesNoServer(t *testing.T) {
	binaries(t) // built here, where a failure skips or fails the test as it should
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+t.TempDir())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("helper: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	if !running(pid) {
		t.Fatalf("Dendrite (pid %d) is not running while its starter lives", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(testenv.Wait)
	for running(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("Dendrite (pid %d) outlived the process that started it by %s", pid, testenv.Wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(string(b[i+1:])), "Z")
}

// TestPortTakenIsRetried: a port picked free but taken before Dendrite binds it makes
// Dendrite exit; the harness starts it again on another port, and the process holding
// the first port is left alone.
func TestPortTakenIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	picks := 0
	pickPort = func() (int, error) {
		picks++
		if picks == 1 {
			return taken, nil
		}
		return testenv.PickFreePort()
	}
	defer func() { pickPort = testenv.PickFreePort }()
	s := Start(t)
	if s.Port == taken || picks != 2 {
		t.Fatalf("server on port %d after %d picks; port %d was taken", s.Port, picks, taken)
	}
	if got := s.User(t, "alice").WhoAmI(); got != s.UserID("alice") {
		t.Fatalf("whoami on the second port: %q", got)
	}
	if !strings.Contains(s.Log(1<<20), "address already in use") {
		t.Fatalf("Dendrite's log does not show the first port refused:\n%s", s.Log(4000))
	}
}

// TestRestartKeepsState: after a restart on the same port, tokens, rooms and the sync
// position still hold: a person's client carries on and sees what is said next.
func TestRestartKeepsState(t *testing.T) {
	s := Start(t)
	alice := s.User(t, "alice")
	bob := s.User(t, "bob")
	room := alice.CreateRoom(RoomOptions{Public: true, Alias: "landing"})
	bob.Join(room)
	bob.Expect(In(room, OfType("m.room.member", bob.UserID))) // before the mark: see Mark
	mark := bob.Mark()
	before := alice.Say(room, "before")
	bob.Expect(In(room, TextFrom(alice.UserID, "before")))
	port := s.Port
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port != port {
		t.Fatalf("restarted on port %d, was %d", s.Port, port)
	}
	after := alice.Say(room, "after")
	got := bob.Until(In(room, TextFrom(alice.UserID, "after")))
	for _, e := range got[:len(got)-1] {
		if e.Type == "m.room.message" {
			t.Fatalf("bob saw %s again after the restart", e)
		}
	}
	var ids []string
	for _, e := range bob.Timeline(room, mark) {
		ids = append(ids, e.EventID)
	}
	if want := []string{before, after}; !slices.Equal(ids, want) {
		t.Fatalf("timeline across the restart = %v, want %v", ids, want)
	}
	if got := bob.Join(s.Alias("landing")); got != room {
		t.Fatalf("alias after restart resolves to %q, want %q", got, room)
	}
}
