package snakefruit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"sync"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sftpFS is the sftp:// transport. It keeps one connection, dials it on first use and again
// after it fails; an operation that finds a connection dead on first use retries once on a
// fresh one, so a restarted server costs no failed operation.
type sftpFS struct {
	addr    string // host:port
	user    string
	root    string
	dial    dialer
	display string

	dialMu sync.Mutex // one dial at a time; the others wait for its connection
	mu     sync.Mutex
	conn   *sftpConn
	closed bool
}

type sftpConn struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	dead chan struct{} // closed once the connection has ended, whoever ended it
}

func (c *sftpConn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

func (c *sftpConn) close() {
	_ = c.sftp.Close()
	_ = c.ssh.Close()
}

func newSFTPFS(u *url.URL, cfg Config) (fsys, error) {
	user := u.User.Username()
	if user == "" {
		return nil, &ConfigError{"target", "sftp:// needs a user, as in sftp://user@host/path"}
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return nil, &ConfigError{"target", "passwords are not supported; use ssh_key"}
	}
	if u.Hostname() == "" {
		return nil, &ConfigError{"target", "sftp:// needs a host"}
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, &ConfigError{"target", "bad port " + port}
	}
	root := path.Clean(u.Path)
	addr := net.JoinHostPort(u.Hostname(), port)
	d, err := newDialer(cfg, addr, user)
	if err != nil {
		return nil, err
	}
	return &sftpFS{
		addr:    addr,
		user:    user,
		root:    root,
		dial:    d,
		display: (&url.URL{Scheme: "sftp", User: url.User(user), Host: addr, Path: root}).String(),
	}, nil
}

// client returns the live connection, dialling one if needed; fresh tells the caller that a
// failure on it is not a stale connection's.
func (s *sftpFS) client(ctx context.Context) (c *sftpConn, fresh bool, err error) {
	if c, err := s.current(); c != nil || err != nil {
		return c, false, err
	}
	s.dialMu.Lock()
	defer s.dialMu.Unlock()
	if c, err := s.current(); c != nil || err != nil {
		return c, true, err
	}
	sc, fc, err := s.dial.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	c = &sftpConn{ssh: sc, sftp: fc, dead: make(chan struct{})}
	go func() { _ = sc.Wait(); close(c.dead) }()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.close()
		return nil, false, errClosed
	}
	s.conn = c
	return c, true, nil
}

var errClosed = errors.New("snakefruit: target is closed")

// concurrentRequests in flight per file: 64 × 32 KiB keeps loopback and LAN links busy while
// bounding the memory a transfer holds to a few MiB.
const concurrentRequests = 64

func (s *sftpFS) current() (*sftpConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if s.conn != nil && !s.conn.isDead() {
		return s.conn, nil
	}
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	return nil, nil
}

func (s *sftpFS) drop(c *sftpConn) {
	s.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	s.mu.Unlock()
	c.close()
}

// do runs fn on a live connection. Ending ctx closes the connection, since sftp calls take no
// context; a connection found dead is replaced and fn, which must be repeatable, runs again.
func (s *sftpFS) do(ctx context.Context, op string, fn func(*sftp.Client) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		c, fresh, err := s.client(ctx)
		if err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { s.drop(c) })
		err = fn(c.sftp)
		if !stop() {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, sftp.ErrSSHFxConnectionLost) && !c.isDead() {
			return err
		}
		s.drop(c)
		if fresh || attempt > 0 {
			return &ConnError{op, err}
		}
	}
}

func (s *sftpFS) path(name string) string { return path.Join(s.root, name) }

func (s *sftpFS) writeFile(ctx context.Context, name string, r io.ReadSeeker) (int64, error) {
	var n int64
	err := s.do(ctx, "upload "+name, func(c *sftp.Client) error {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return err
		}
		f, err := c.OpenFile(s.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			return err
		}
		n, err = f.ReadFromWithConcurrency(contextReader{ctx, r}, 0)
		if err == nil {
			err = f.Sync()
			var status *sftp.StatusError
			if errors.As(err, &status) && status.FxCode() == sftp.ErrSSHFxOpUnsupported {
				err = nil // a server without fsync@openssh.com: the best it offers is close
			}
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return n, err
}

func (s *sftpFS) hashFile(ctx context.Context, name string) (int64, string, error) {
	var (
		n   int64
		sum string
	)
	err := s.do(ctx, "hash "+name, func(c *sftp.Client) error {
		f, err := c.Open(s.path(name))
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		// WriteTo reads ahead concurrently, with bounded buffers.
		if n, err = f.WriteTo(h); err != nil {
			return err
		}
		sum = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return n, sum, err
}

func (s *sftpFS) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	var b []byte
	err := s.do(ctx, "read "+name, func(c *sftp.Client) error {
		f, err := c.Open(s.path(name))
		if err != nil {
			return err
		}
		defer f.Close()
		b, err = readLimited(f, name, limit)
		return err
	})
	return b, err
}

func (s *sftpFS) size(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.do(ctx, "stat "+name, func(c *sftp.Client) error {
		fi, err := c.Stat(s.path(name))
		if err == nil {
			n = fi.Size()
		}
		return err
	})
	return n, err
}

func (s *sftpFS) rename(ctx context.Context, from, to string) error {
	return s.do(ctx, "rename "+from, func(c *sftp.Client) error {
		// Plain SFTP rename refuses an existing target; posix-rename replaces it atomically.
		err := c.PosixRename(s.path(from), s.path(to))
		var status *sftp.StatusError
		if errors.As(err, &status) && status.FxCode() == sftp.ErrSSHFxOpUnsupported {
			return fmt.Errorf("the server lacks posix-rename@openssh.com, needed to replace files atomically: %w", err)
		}
		return err
	})
}

func (s *sftpFS) remove(ctx context.Context, name string) error {
	return s.do(ctx, "remove "+name, func(c *sftp.Client) error { return c.Remove(s.path(name)) })
}

func (s *sftpFS) files(ctx context.Context, dir string) ([]File, error) {
	var out []File
	err := s.do(ctx, "list "+dir, func(c *sftp.Client) error {
		entries, err := c.ReadDir(s.path(dir))
		if err != nil {
			return err
		}
		out = out[:0]
		for _, e := range entries {
			if e.Mode().IsRegular() {
				out = append(out, File{Name: e.Name(), Size: e.Size()})
			}
		}
		return nil
	})
	return out, err
}

func (s *sftpFS) String() string { return s.display }

func (s *sftpFS) Close() error {
	s.mu.Lock()
	c := s.conn
	s.conn, s.closed = nil, true
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}
