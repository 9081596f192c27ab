package snakefruit

//lint:file-ignore ST1008 a row's provoke returns the provoked error beside the sentence Describe must make of it

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"stagebot/internal/sshdtest"
)

// describeCase is one error as this package really returns it, and what people must read
// instead.
type describeCase struct {
	name string
	// provoke returns the error and the sentence Describe must make of it.
	provoke func(t *testing.T) (err error, want string)
	// leaks: the error's own text names a folder of the test, so the case shows that
	// Describe keeps it out, not merely that there was nothing to keep out.
	leaks bool
	// hidden are further strings of the error that people must not see.
	hidden []string
}

func (tt describeCase) run(t *testing.T) {
	t.Helper()
	err, want := tt.provoke(t)
	if err == nil {
		t.Fatal("no error was provoked")
	}
	got := Describe(err)
	if got != want {
		t.Errorf("Describe(%q)\n = %q\nwant %q", err, got, want)
	}
	// Every t.TempDir of one test lies in one folder.
	tmp := filepath.Dir(t.TempDir())
	if tt.leaks && !strings.Contains(err.Error(), tmp) {
		t.Errorf("error %q does not name the test's folder %s, so the case proves nothing", err, tmp)
	}
	for _, bad := range append([]string{tmp, "/tmp", "%!", "@"}, tt.hidden...) {
		if strings.Contains(got, bad) {
			t.Errorf("Describe(%q) = %q names %q", err, got, bad)
		}
	}
	if i := strings.IndexFunc(got, unicode.IsControl); i >= 0 {
		t.Errorf("Describe(%q) = %q holds a control character at %d", err, got, i)
	}
}

func fileTarget(t *testing.T, dir string) Target {
	t.Helper()
	tg, err := Open(t.Context(), Config{Target: "file://" + filepath.ToSlash(dir)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func put(ctx context.Context, tg Target, c LockSpec) error {
	return tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256)
}

// lyingFS reports every write as landed with other content, as a transfer damaged on the way.
type lyingFS struct{ fsys }

func (l lyingFS) writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (int64, landed, error) {
	n, got, err := l.fsys.writeFile(ctx, name, r, pin)
	got.sha256 = strings.Repeat("0", 64)
	return n, got, err
}

// fakeServer accepts connections on 127.0.0.1 and hands each to serve, on the accepting
// goroutine; whatever serve leaves open is closed when the test ends.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			serve(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// fakeSFTPConfig reaches addr with a key and a known_hosts entry that are fine as files; what
// is behind addr decides how far a connection gets.
func fakeSFTPConfig(t *testing.T, addr string) Config {
	t.Helper()
	key, _ := writeClientKey(t, "")
	return Config{
		Target:      "sftp://lander@" + addr + "/srv/locked-clicks",
		SSHKey:      key,
		KnownHosts:  writeKnownHosts(t, addr, newPublicKey(t)),
		DialTimeout: 2 * time.Second,
	}
}

func readList(t *testing.T, cfg Config) error {
	t.Helper()
	tg := openSFTP(t, cfg)
	_, err := tg.ReadList(testContext(t))
	return err
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// pathErr is a local file system's failure in the folder dir, wrapped as Put wraps it.
func pathErr(t *testing.T, errno syscall.Errno) error {
	t.Helper()
	p := filepath.Join(t.TempDir(), TempPrefix+"foo_1_all.click")
	return fmt.Errorf("snakefruit: put foo_1_all.click: upload: %w", &fs.PathError{Op: "write", Path: p, Err: errno})
}

// sftpStatus is a status an sftp server sent back, wrapped as Put wraps it.
func sftpStatus(code uint32) error {
	return fmt.Errorf("snakefruit: put foo_1_all.click: upload: %w", &sftp.StatusError{Code: code})
}

func TestDescribe(t *testing.T) {
	const snakefruit = "snakefruit.example:22"
	tests := []describeCase{
		// file:// targets, provoked.
		{name: "target folder missing", leaks: true, provoke: func(t *testing.T) (error, string) {
			tg := fileTarget(t, filepath.Join(t.TempDir(), "gone"))
			return Lock(testContext(t), tg, click(t, "foo_1_all.click", "foo")), "the snakefruit folder or a file in it is missing"
		}},
		{name: "target is a file", leaks: true, provoke: func(t *testing.T) (error, string) {
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return put(testContext(t), fileTarget(t, file), click(t, "foo_1_all.click", "foo")), "the snakefruit target is not a folder"
		}},
		{name: "read-only folder", leaks: true, provoke: func(t *testing.T) (error, string) {
			if os.Geteuid() == 0 {
				t.Skip("root writes to a read-only folder; the synthetic EACCES case stands in")
			}
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
			return put(testContext(t), fileTarget(t, dir), click(t, "foo_1_all.click", "foo")), "permission denied on snakefruit"
		}},
		{name: "source missing", leaks: true, provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			if err := os.Remove(c.Src); err != nil {
				t.Fatal(err)
			}
			return Lock(testContext(t), fileTarget(t, t.TempDir()), c), "the bot's copy of the click is missing"
		}},
		{name: "source unreadable", leaks: true, provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			loop := filepath.Join(t.TempDir(), "loop.click")
			if err := os.Symlink(loop, loop); err != nil {
				t.Fatal(err)
			}
			c.Src = loop
			return put(testContext(t), fileTarget(t, t.TempDir()), c), "the bot cannot read its copy of the click"
		}},
		{name: "source size changed", leaks: true, provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			c.Size++
			return put(testContext(t), fileTarget(t, t.TempDir()), c), "the bot's copy of the click changed since it was inspected (size or sha256)"
		}},
		{name: "source content changed", leaks: true, provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			c.SHA256 = click(t, "bar_1_all.click", "bar").SHA256
			return put(testContext(t), fileTarget(t, t.TempDir()), c), "the bot's copy of the click changed since it was inspected (size or sha256)"
		}},
		{name: "upload landed different", provoke: func(t *testing.T) (error, string) {
			tg := newTarget(lyingFS{localFS{root: t.TempDir()}}, DefaultListFile)
			return put(testContext(t), tg, click(t, "foo_1_all.click", "foo")), "the file on snakefruit did not match after upload (size or sha256)"
		}},
		{name: "list landed different", provoke: func(t *testing.T) (error, string) {
			tg := newTarget(lyingFS{localFS{root: t.TempDir()}}, DefaultListFile)
			err := tg.EditList(testContext(t), func(l []string) ([]string, error) { return append(l, "foo_1_all.click"), nil })
			return err, "the list on snakefruit did not match what the bot wrote (size or sha256)"
		}},
		{name: "list kept changing", provoke: func(t *testing.T) (error, string) {
			dir := t.TempDir()
			n := 0
			err := fileTarget(t, dir).EditList(testContext(t), func(l []string) ([]string, error) {
				n++
				writeList(t, dir, fmt.Sprintf("person_%d_all.click", n)) // a person saves meanwhile
				return append(l, "foo_1_all.click"), nil
			})
			return err, "the list kept changing while the bot tried to edit it"
		}},
		{name: "list too large", provoke: func(t *testing.T) (error, string) {
			dir := t.TempDir()
			f, err := os.Create(filepath.Join(dir, DefaultListFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(maxListBytes + 1); err != nil { // sparse: nothing is written
				t.Fatal(err)
			}
			_, err = fileTarget(t, dir).ReadList(testContext(t))
			return err, "the list file on snakefruit is too large to be a list"
		}},
		{name: "list line with a line break", provoke: func(t *testing.T) (error, string) {
			err := fileTarget(t, t.TempDir()).EditList(testContext(t), func(l []string) ([]string, error) { return append(l, "a\nb"), nil })
			return err, "the edited list would hold a line with a line break in it"
		}},
		{name: "bad file name", provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			c.Filename = "../foo_1_all.click"
			return put(testContext(t), fileTarget(t, t.TempDir()), c), "the click's file name cannot be used on snakefruit"
		}},
		{name: "bad sha256", provoke: func(t *testing.T) (error, string) {
			c := click(t, "foo_1_all.click", "foo")
			c.SHA256 = "not hex %d\n"
			return put(testContext(t), fileTarget(t, t.TempDir()), c), "the click's recorded sha256 is malformed"
		}},
		{name: "cancelled", provoke: func(t *testing.T) (error, string) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return put(ctx, fileTarget(t, t.TempDir()), click(t, "foo_1_all.click", "foo")), "the snakefruit operation was cancelled (the bot may be stopping)"
		}},
		{name: "deadline passed", provoke: func(t *testing.T) (error, string) {
			ctx, cancel := context.WithDeadline(t.Context(), time.Unix(1, 0))
			defer cancel()
			return put(ctx, fileTarget(t, t.TempDir()), click(t, "foo_1_all.click", "foo")), "snakefruit timed out"
		}},

		// sftp:// targets against fake servers, provoked.
		{name: "connection refused", hidden: []string{"lander"}, provoke: func(t *testing.T) (error, string) {
			addr := closedPort(t)
			return readList(t, fakeSFTPConfig(t, addr)), "cannot connect to snakefruit (" + addr + "): connection refused"
		}},
		{name: "server hangs up", hidden: []string{"lander"}, provoke: func(t *testing.T) (error, string) {
			addr := fakeServer(t, func(c net.Conn) {
				// Closing with the client's banner unread would reset the connection instead.
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				bufio.NewReader(c).ReadString('\n')
				c.Close()
			})
			return readList(t, fakeSFTPConfig(t, addr)), "snakefruit (" + addr + ") closed the connection during the SSH handshake"
		}},
		{name: "server resets", hidden: []string{"lander"}, provoke: func(t *testing.T) (error, string) {
			addr := fakeServer(t, func(c net.Conn) {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			})
			return readList(t, fakeSFTPConfig(t, addr)), "the connection to snakefruit (" + addr + ") was reset"
		}},
		{name: "server stalls", hidden: []string{"lander"}, provoke: func(t *testing.T) (error, string) {
			addr := fakeServer(t, func(net.Conn) {})
			cfg := fakeSFTPConfig(t, addr)
			cfg.DialTimeout = 200 * time.Millisecond
			return readList(t, cfg), "snakefruit (" + addr + ") timed out"
		}},
		{name: "target closed", provoke: func(t *testing.T) (error, string) {
			tg := openSFTP(t, fakeSFTPConfig(t, closedPort(t)))
			tg.Close()
			_, err := tg.ReadList(testContext(t))
			return err, "the bot closed its connection to snakefruit (it is stopping)"
		}},
		{name: "ssh_key missing", leaks: true, provoke: func(t *testing.T) (error, string) {
			cfg := fakeSFTPConfig(t, closedPort(t))
			cfg.SSHKey = filepath.Join(t.TempDir(), "id_ed25519")
			_, err := Open(t.Context(), cfg)
			return err, "the bot's snakefruit.ssh_key setting is not usable (details in the bot's log)"
		}},
		{name: "known_hosts unreadable", leaks: true, provoke: func(t *testing.T) (error, string) {
			cfg := fakeSFTPConfig(t, closedPort(t))
			cfg.KnownHosts = t.TempDir() // a folder
			_, err := Open(t.Context(), cfg)
			return err, "the bot's snakefruit.known_hosts setting is not usable (details in the bot's log)"
		}},

		// Failures that are not cheap to provoke, wrapped as the package wraps them.
		{name: "disk full", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.ENOSPC), "snakefruit is out of disk space"
		}},
		{name: "quota exceeded", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.EDQUOT), "snakefruit is out of disk space"
		}},
		{name: "permission denied", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.EACCES), "permission denied on snakefruit"
		}},
		{name: "operation not permitted", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.EPERM), "permission denied on snakefruit"
		}},
		{name: "read-only file system", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.EROFS), "snakefruit's folder is on a read-only file system"
		}},
		{name: "i/o error", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.EIO), "snakefruit's disk reported an I/O error"
		}},
		{name: "name too long", leaks: true, provoke: func(t *testing.T) (error, string) {
			return pathErr(t, syscall.ENAMETOOLONG), "a file name is too long for snakefruit"
		}},
		{name: "sftp permission denied", provoke: func(t *testing.T) (error, string) {
			// pkg/sftp turns SSH_FX_PERMISSION_DENIED into os.ErrPermission.
			return fmt.Errorf("snakefruit: put foo_1_all.click: upload: %w", os.ErrPermission), "permission denied on snakefruit"
		}},
		{name: "sftp failure", provoke: func(t *testing.T) (error, string) {
			return sftpStatus(uint32(sftp.ErrSSHFxFailure)), "snakefruit's SFTP server refused without saying why (a full disk or quota, say)"
		}},
		{name: "sftp bad message", provoke: func(t *testing.T) (error, string) {
			return sftpStatus(uint32(sftp.ErrSSHFxBadMessage)), "snakefruit's SFTP server did not understand a request"
		}},
		{name: "sftp unsupported", provoke: func(t *testing.T) (error, string) {
			return sftpStatus(uint32(sftp.ErrSSHFxOpUnsupported)), "snakefruit's SFTP server does not support an operation the bot needs"
		}},
		{name: "no posix-rename", provoke: func(t *testing.T) (error, string) {
			err := posixRenameError(&sftp.StatusError{Code: uint32(sftp.ErrSSHFxOpUnsupported)})
			return fmt.Errorf("snakefruit: replace list: %w", err), "snakefruit's SFTP server lacks posix-rename, needed to replace files atomically"
		}},
		{name: "connection lost", provoke: func(t *testing.T) (error, string) {
			err := &ConnError{Op: "upload " + TempPrefix + "foo_1_all.click", Err: sftp.ErrSSHFxConnectionLost, Addr: snakefruit}
			return fmt.Errorf("snakefruit: put foo_1_all.click: upload: %w", err), "the connection to snakefruit (" + snakefruit + ") was lost"
		}},
		{name: "server silent", provoke: func(t *testing.T) (error, string) {
			err := &ConnError{Op: "read locked_clicks_list", Err: &silenceError{time.Minute}, Addr: snakefruit}
			return fmt.Errorf("snakefruit: read list: %w", err), "snakefruit (" + snakefruit + ") stopped answering (nothing for 1m0s); a new connection is used for the next try"
		}},
		{name: "connection lost, no address", provoke: func(t *testing.T) (error, string) {
			return fmt.Errorf("snakefruit: read list x: %w", sftp.ErrSSHFxConnectionLost), "the connection to snakefruit was lost"
		}},
		{name: "connection reset", provoke: func(t *testing.T) (error, string) {
			op := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
			err := &ConnError{Op: "ssh handshake with " + snakefruit, Err: fmt.Errorf("ssh: handshake failed: %w", op), Addr: snakefruit, phase: phaseHandshake}
			return err, "the connection to snakefruit (" + snakefruit + ") was reset"
		}},
		{name: "no route to host", provoke: func(t *testing.T) (error, string) {
			op := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
			return &ConnError{Op: "connect to " + snakefruit, Err: op, Addr: snakefruit, phase: phaseConnect}, "cannot connect to snakefruit (" + snakefruit + "): no route to host"
		}},
		{name: "network unreachable, address from the dial", provoke: func(t *testing.T) (error, string) {
			op := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 22}, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
			return fmt.Errorf("snakefruit: %w", op), "cannot connect to snakefruit (10.0.0.1:22): network unreachable"
		}},
		{name: "host name not found", provoke: func(t *testing.T) (error, string) {
			op := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "snakefruit.invalid", IsNotFound: true}}
			return &ConnError{Op: "connect to snakefruit.invalid:22", Err: op, Addr: "snakefruit.invalid:22", phase: phaseConnect}, "cannot connect to snakefruit: its host name snakefruit.invalid was not found"
		}},
		{name: "host name lookup failed", provoke: func(t *testing.T) (error, string) {
			op := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "snakefruit.example", Server: "10.0.0.53:53"}}
			return &ConnError{Op: "connect to snakefruit.example:22", Err: op, Addr: snakefruit, phase: phaseConnect}, "cannot connect to snakefruit: looking up its host name snakefruit.example failed"
		}},
		{name: "connect failed otherwise", provoke: func(t *testing.T) (error, string) {
			return &ConnError{Op: "connect to " + snakefruit, Err: errors.New("odd"), Addr: snakefruit, phase: phaseConnect}, "cannot connect to snakefruit (" + snakefruit + ")"
		}},
		{name: "handshake failed otherwise", provoke: func(t *testing.T) (error, string) {
			err := fmt.Errorf("ssh: handshake failed: %w", errors.New("ssh: no common algorithm for host key"))
			return &ConnError{Op: "ssh handshake with " + snakefruit, Err: err, Addr: snakefruit, phase: phaseHandshake}, "the SSH handshake with snakefruit (" + snakefruit + ") failed"
		}},
		{name: "sftp would not start", provoke: func(t *testing.T) (error, string) {
			return &ConnError{Op: "start sftp on " + snakefruit, Err: errors.New("ssh: subsystem request failed"), Addr: snakefruit, phase: phaseSFTP}, "snakefruit (" + snakefruit + ") did not start its SFTP service"
		}},
		{name: "host not in known_hosts", provoke: func(t *testing.T) (error, string) {
			err := &HostKeyError{Host: "snakefruit.example", Fingerprint: "SHA256:abc", Type: "ssh-ed25519", Unknown: true, Err: errors.New("knownhosts: key is unknown")}
			return fmt.Errorf("snakefruit: put foo_1_all.click: %w", err), "snakefruit's host snakefruit.example is not in known_hosts: presented ssh-ed25519 SHA256:abc"
		}},
		{name: "host key with a line break", provoke: func(t *testing.T) (error, string) {
			return &HostKeyError{Host: "evil\nhost", Fingerprint: "SHA256:abc", Type: "ssh-ed25519"}, "snakefruit's host key does not match known_hosts for evil?host: presented ssh-ed25519 SHA256:abc"
		}},
		{name: "auth refused, bare ssh text", provoke: func(t *testing.T) (error, string) {
			return errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"), "snakefruit refused the login (check ssh_key and the user in target)"
		}},
		{name: "handshake failed, bare ssh text", provoke: func(t *testing.T) (error, string) {
			return errors.New("ssh: handshake failed: ssh: unexpected message type 3"), "the SSH handshake with snakefruit failed"
		}},
		{name: "config error from elsewhere", leaks: true, provoke: func(t *testing.T) (error, string) {
			return &ConfigError{Field: "key " + t.TempDir(), Problem: "x"}, "the bot's snakefruit settings are not usable (details in the bot's log)"
		}},
		{name: "unknown error naming a path", leaks: true, provoke: func(t *testing.T) (error, string) {
			return fmt.Errorf("snakefruit: put foo: %w", errors.New("open "+t.TempDir()+"/x: something odd")), genericFailure
		}},
		{name: "unknown error with a line break and a verb", provoke: func(t *testing.T) (error, string) {
			return errors.New("line one\nline two %d"), genericFailure
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestDescribeNil(t *testing.T) {
	if got := Describe(nil); got != "" {
		t.Errorf("Describe(nil) = %q, want \"\"", got)
	}
}

// TestDescribeSFTP: refusals by a real sshd, as a Lock meets them.
func TestDescribeSFTP(t *testing.T) {
	s := sshdtest.Start(t)
	fp := ssh.FingerprintSHA256(s.HostKey)
	hostKey := "[" + s.Host + "]:" + fmt.Sprint(s.Port)
	stranger, _ := writeClientKey(t, "")
	lock := func(t *testing.T, cfg Config) error {
		t.Helper()
		return Lock(testContext(t), openSFTP(t, cfg), click(t, "foo_1_all.click", "foo"))
	}
	// The remote folder and the login are the bot's business, not the channel's.
	hidden := []string{s.Dir, s.User + "@", "nosuchuser"}
	tests := []describeCase{
		{name: "host key mismatch", provoke: func(t *testing.T) (error, string) {
			cfg := sftpConfig(s)
			cfg.KnownHosts = writeKnownHosts(t, s.Addr, newPublicKey(t))
			return lock(t, cfg), "snakefruit's host key does not match known_hosts for " + hostKey + ": presented ssh-ed25519 " + fp
		}},
		{name: "host not in known_hosts", provoke: func(t *testing.T) (error, string) {
			cfg := sftpConfig(s)
			cfg.KnownHosts = writeKnownHosts(t, "[127.0.0.2]:22", s.HostKey)
			return lock(t, cfg), "snakefruit's host " + hostKey + " is not in known_hosts: presented ssh-ed25519 " + fp
		}},
		{name: "key the server does not know", provoke: func(t *testing.T) (error, string) {
			cfg := sftpConfig(s)
			cfg.SSHKey = stranger
			return lock(t, cfg), "snakefruit (" + s.Addr + ") refused the login (check ssh_key and the user in target)"
		}},
		{name: "user the server does not know", provoke: func(t *testing.T) (error, string) {
			cfg := sftpConfig(s)
			cfg.Target = "sftp://nosuchuser@" + s.Addr + filepath.ToSlash(s.Dir)
			return lock(t, cfg), "snakefruit (" + s.Addr + ") refused the login (check ssh_key and the user in target)"
		}},
		{name: "target folder missing", provoke: func(t *testing.T) (error, string) {
			cfg := sftpConfig(s)
			cfg.Target = s.TargetURL() + "/gone"
			return lock(t, cfg), "the snakefruit folder or a file in it is missing"
		}},
	}
	for _, tt := range tests {
		tt.hidden = append(tt.hidden, hidden...)
		t.Run(tt.name, tt.run)
	}
}
