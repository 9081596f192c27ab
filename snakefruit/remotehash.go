package snakefruit

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// remoteHashMin is the size from which hashing on the server pays: below it, starting a
// remote command costs more than reading the file back.
const remoteHashMin = 8 << 20

// remoteHashRate is a floor on how fast the server's sha256sum reads a file, to bound how
// long we wait for it before falling back to reading the file back ourselves.
const remoteHashRate = 20 << 20 // bytes per second

// remoteSHA256 asks the server's openssl or sha256sum for the hash of path. That costs the server one
// local read of the file, where reading it back over SFTP costs the whole transfer again.
// ok is false when the account cannot do it (an sftp-only account, neither tool, a login
// script that prints to stdout, a stall): the caller then reads the file back instead.
func remoteSHA256(ctx context.Context, c *ssh.Client, path string, size int64, grace time.Duration) (sum string, ok bool) {
	sess, err := c.NewSession()
	if err != nil {
		return "", false
	}
	defer sess.Close()
	var out limitedBuffer
	out.limit = 4096
	sess.Stdout = &out // stdin stays empty: a ForceCommand'ed sftp-server sees EOF and exits
	done := make(chan error, 1)
	// OpenSSL's digest uses the CPU's SHA extensions where coreutils' sha256sum may not, and
	// is then several times faster; both print a line parseSHA256Sum takes.
	q := shellQuote(path)
	go func() { done <- sess.Run("openssl dgst -sha256 -r " + q + " 2>/dev/null || sha256sum -- " + q) }()
	timer := time.NewTimer(grace + time.Duration(size/remoteHashRate)*time.Second)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		return "", false
	case <-ctx.Done():
		return "", false
	}
	if err != nil {
		return "", false
	}
	return parseSHA256Sum(out.String(), path)
}

// parseSHA256Sum accepts exactly one line, "HEX  PATH" (or "HEX *PATH"), naming path.
func parseSHA256Sum(out, path string) (string, bool) {
	line, rest, _ := strings.Cut(out, "\n")
	if rest != "" || len(line) < 66 {
		return "", false
	}
	sum, name := line[:64], line[64:]
	if _, err := hex.DecodeString(sum); err != nil {
		return "", false
	}
	if name != "  "+path && name != " *"+path {
		return "", false
	}
	return strings.ToLower(sum), true
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// limitedBuffer keeps the first limit bytes and marks anything beyond as too much.
type limitedBuffer struct {
	buf   bytes.Buffer
	limit int
	over  bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.buf.Len()+len(p) > b.limit {
		b.over = true
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) String() string {
	if b.over {
		return ""
	}
	return b.buf.String()
}
