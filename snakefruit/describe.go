package snakefruit

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"unicode"

	"github.com/pkg/sftp"
)

// genericFailure is what Describe says of an error it cannot classify: better vague than a
// chain that may name a path.
const genericFailure = "snakefruit operation failed (details in the bot's log)"

// Describe says in one short sentence why a snakefruit operation failed, for people: chat
// announcements, !status, the status page. err.Error() is for the log only: it chains library
// messages and names local paths (the bot's state_dir, its key files), the login user and
// the folder on snakefruit. Describe names at most snakefruit's host:port, a host name being
// looked up, for a host key, the host and the presented key's type and SHA256
// fingerprint, which a person needs to decide whether to trust it, and the click's own
// filename when another file occupies it. nil gives "".
//
// It is meant for errors that came out of this package (wrapped or not): anything else gets
// the generic "snakefruit operation failed" sentence, which would blame snakefruit.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	return oneLine(describe(err))
}

func describe(err error) string {
	var (
		hk   *HostKeyError
		auth *AuthError
		cfg  *ConfigError
		kind *kindError
		occ  *OccupiedError
	)
	switch {
	case errors.As(err, &occ):
		return occ.describe()
	case errors.Is(err, ErrPendingBusy):
		return "the click's pre-upload was still being written to snakefruit (it was stopped and removes its file itself)"
	case errors.As(err, &hk):
		return describeHostKey(hk)
	case errors.As(err, &auth):
		return at(auth.Host) + " refused the login (check ssh_key and the user in target)"
	case errors.As(err, &cfg):
		if isKey(cfg.Field) {
			return "the bot's snakefruit." + cfg.Field + " setting is not usable (details in the bot's log)"
		}
		return "the bot's snakefruit settings are not usable (details in the bot's log)"
	case errors.As(err, &kind):
		return describeKind(kind)
	case errors.Is(err, errClosed):
		return "the bot closed its connection to snakefruit (it is stopping)"
	case errors.Is(err, context.Canceled):
		return "the snakefruit operation was cancelled (the bot may be stopping)"
	}
	addr := serverAddr(err)
	var silent *silenceError
	if errors.As(err, &silent) {
		return at(addr) + " stopped answering (nothing for " + silent.after.String() + "); a new connection is used for the next try"
	}
	if isTimeout(err) {
		return at(addr) + " timed out"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "cannot connect to snakefruit: its host name " + dns.Name + " was not found"
		}
		return "cannot connect to snakefruit: looking up its host name " + dns.Name + " failed"
	}
	if s := describeErrno(err, addr); s != "" {
		return s
	}
	if s := describeSFTPStatus(err); s != "" {
		return s
	}
	var ce *ConnError
	if errors.As(err, &ce) {
		switch ce.phase {
		case phaseConnect:
			return "cannot connect to " + at(addr)
		case phaseHandshake:
			if errors.Is(err, io.EOF) {
				return at(addr) + " closed the connection during the SSH handshake"
			}
			return "the SSH handshake with " + at(addr) + " failed"
		case phaseSFTP:
			return at(addr) + " did not start its SFTP service"
		default:
			return "the connection to " + at(addr) + " was lost"
		}
	}
	if isFx(err, sftp.ErrSSHFxConnectionLost) || isFx(err, sftp.ErrSSHFxNoConnection) || errors.Is(err, net.ErrClosed) {
		return "the connection to snakefruit was lost"
	}
	// golang.org/x/crypto/ssh makes these two with fmt.Errorf: only their text tells them
	// apart, should one ever reach here without the dialer's AuthError or ConnError.
	switch msg := err.Error(); {
	case strings.Contains(msg, "ssh: unable to authenticate"):
		return "snakefruit refused the login (check ssh_key and the user in target)"
	case strings.Contains(msg, "ssh: handshake failed"):
		return "the SSH handshake with snakefruit failed"
	}
	return genericFailure
}

func describeHostKey(hk *HostKeyError) string {
	presented := "presented " + strings.TrimSpace(hk.Type+" "+hk.Fingerprint)
	host := ""
	if hk.Host != "" {
		host = " " + hk.Host
	}
	if hk.Unknown {
		return "snakefruit's host" + host + " is not in known_hosts: " + presented
	}
	if host != "" {
		host = " for" + host
	}
	return "snakefruit's host key does not match known_hosts" + host + ": " + presented
}

func describeKind(k *kindError) string {
	switch k.kind {
	case kindSource:
		if errors.Is(k, fs.ErrNotExist) {
			return "the bot's copy of the click is missing"
		}
		return "the bot cannot read its copy of the click"
	case kindSourceChanged:
		return "the bot's copy of the click changed since it was inspected (size or sha256)"
	case kindLanded:
		return "the file on snakefruit did not match after upload (size or sha256)"
	case kindListLanded:
		return "the list on snakefruit did not match what the bot wrote (size or sha256)"
	case kindListBusy:
		return "the list kept changing while the bot tried to edit it"
	case kindListTooLarge:
		return "the list file on snakefruit is too large to be a list"
	case kindBadLine:
		return "the edited list would hold a line with a line break in it"
	case kindBadName:
		return "the click's file name cannot be used on snakefruit"
	case kindBadChecksum:
		return "the click's recorded sha256 is malformed"
	case kindNoPosixRename:
		return "snakefruit's SFTP server lacks posix-rename, needed to replace files atomically"
	}
	return genericFailure
}

// describeErrno covers what the kernel reports, whether on the bot's side (connecting, a
// file:// target) or as the reason an sftp server gives.
func describeErrno(err error, addr string) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "cannot connect to " + at(addr) + ": connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "cannot connect to " + at(addr) + ": no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		return "cannot connect to " + at(addr) + ": network unreachable"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return "the connection to " + at(addr) + " was reset"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "snakefruit is out of disk space"
	case errors.Is(err, syscall.EROFS):
		return "snakefruit's folder is on a read-only file system"
	case errors.Is(err, fs.ErrPermission), isFx(err, sftp.ErrSSHFxPermissionDenied):
		return "permission denied on snakefruit"
	case errors.Is(err, syscall.ENOTDIR):
		return "the snakefruit target is not a folder"
	case errors.Is(err, fs.ErrNotExist), isFx(err, sftp.ErrSSHFxNoSuchFile):
		return "the snakefruit folder or a file in it is missing"
	case errors.Is(err, syscall.ENAMETOOLONG):
		return "a file name is too long for snakefruit"
	case errors.Is(err, syscall.EIO):
		return "snakefruit's disk reported an I/O error"
	}
	return ""
}

// describeSFTPStatus covers the status codes pkg/sftp passes on as they came: it turns only
// "no such file" and "permission denied" into their fs errors.
func describeSFTPStatus(err error) string {
	switch {
	case isFx(err, sftp.ErrSSHFxFailure):
		// OpenSSH's sftp-server reports every errno it has no code for, a full disk or
		// quota among them, as this one failure.
		return "snakefruit's SFTP server refused without saying why (a full disk or quota, say)"
	case isFx(err, sftp.ErrSSHFxBadMessage):
		return "snakefruit's SFTP server did not understand a request"
	case isFx(err, sftp.ErrSSHFxOpUnsupported):
		return "snakefruit's SFTP server does not support an operation the bot needs"
	}
	return ""
}

// isFx reports whether err is the sftp status code, as the status a server sent or as the
// bare code pkg/sftp uses for its own conditions (a lost connection).
func isFx(err error, code error) bool {
	var status *sftp.StatusError
	if errors.As(err, &status) && error(status.FxCode()) == code {
		return true
	}
	return errors.Is(err, code)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// serverAddr is snakefruit's host:port as the dialer knew it, or as a TCP error names it.
func serverAddr(err error) string {
	var ce *ConnError
	if errors.As(err, &ce) && ce.Addr != "" {
		return ce.Addr
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil && strings.HasPrefix(op.Net, "tcp") {
		return op.Addr.String()
	}
	return ""
}

func at(addr string) string {
	if addr == "" {
		return "snakefruit"
	}
	return "snakefruit (" + addr + ")"
}

// isKey accepts what a config key looks like, so a ConfigError made elsewhere cannot carry
// arbitrary text into the sentence.
func isKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// oneLine keeps the contract's one line per announcement even if a host name or key type
// carried a control character.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
