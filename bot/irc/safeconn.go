package irc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"gopkg.in/irc.v4"
)

// maxInLine bounds one server line: 8191 bytes of tags plus the 512 of the line proper.
// Anything longer is hostile or broken and is dropped rather than buffered without end.
const maxInLine = 8191 + maxLine

// writeTimeout bounds one write: a server that stops reading must not hang a sender.
const writeTimeout = 30 * time.Second

// safeConn stands between the socket and irc.v4's reader, which parses every line with
// irc.ParseMessage and panics on some malformed ones (e.g. "@a=b ") on a goroutine we
// cannot recover on. Each line is parsed here first, under recover, and only lines that
// parse and that irc.v4's own filters can digest are passed on; the rest are logged and
// dropped.
type safeConn struct {
	net.Conn
	r       *bufio.Reader
	pending []byte
	log     *slog.Logger
}

func newSafeConn(c net.Conn, log *slog.Logger) *safeConn {
	return &safeConn{Conn: c, r: bufio.NewReaderSize(c, maxInLine), log: log}
}

func (c *safeConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		line, err := c.readLine()
		if err != nil {
			return 0, err
		}
		if _, perr := parseLine(line); perr != nil {
			c.log.Warn("dropped a malformed server line", "err", perr, "line", truncate(line, 200))
			continue
		}
		c.pending = append(append(c.pending[:0], line...), '\r', '\n')
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *safeConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.Conn.Write(p)
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its CR LF, skipping over-long ones.
func (c *safeConn) readLine() (string, error) {
	for {
		b, err := c.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			c.log.Warn("dropped an over-long server line", "err", errLineTooLong)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = c.r.ReadSlice('\n')
			}
			if err != nil {
				return "", err
			}
			continue
		}
		if err != nil {
			return "", err
		}
		return string(bytes.TrimRight(b, "\r\n")), nil
	}
}

// parseLine parses one server line without letting a panic out, and refuses lines that
// irc.v4's client filters would index out of range on (001 without a nick).
func parseLine(line string) (m *irc.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	m, err = irc.ParseMessage(line)
	if err != nil {
		return nil, err
	}
	if m.Prefix == nil {
		m.Prefix = &irc.Prefix{}
	}
	if m.Command == "001" && len(m.Params) == 0 {
		return nil, errors.New("001 without a nick")
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
