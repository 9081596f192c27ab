package snakefruit

import (
	"errors"
	"fmt"
)

// HostKeyError is returned when the server presents a host key that known_hosts does not
// vouch for. It is permanent: retrying cannot make a wrong key right, and writing to a host
// that might be an impostor would leak clicks.
type HostKeyError struct {
	Host        string // as looked up in known_hosts, e.g. [127.0.0.1]:2222
	Fingerprint string // of the presented key, SHA256:...
	Type        string // of the presented key, e.g. ssh-ed25519
	Unknown     bool   // no key for the host at all (as opposed to a different one)
	Err         error  // from the known_hosts check
}

func (e *HostKeyError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("snakefruit: host %s is not in known_hosts: it presented %s key %s", e.Host, e.Type, e.Fingerprint)
	}
	return fmt.Sprintf("snakefruit: host key mismatch for %s: it presented %s key %s, which known_hosts does not list for it", e.Host, e.Type, e.Fingerprint)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// ConfigError reports a configuration that cannot work however often it is retried.
type ConfigError struct {
	Field   string
	Problem string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("snakefruit: config %s: %s", e.Field, e.Problem)
}

// AuthError is a refusal of our key by the server; permanent until someone fixes the key.
type AuthError struct {
	Host string
	Err  error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("snakefruit: authentication to %s failed: %v", e.Host, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// ConnError wraps a transport failure (refused, reset, timed out, lost): a retry may cure it.
type ConnError struct {
	Op   string
	Err  error
	Addr string // host:port of the server, never with the user: safe to show to people

	// phase tells Describe how far the connection got, which Op, being prose, cannot.
	phase connPhase
}

// connPhase is the step of a connection a ConnError happened in.
type connPhase int

const (
	phaseUse       connPhase = iota // on an established connection
	phaseConnect                    // TCP
	phaseHandshake                  // SSH key exchange and host key check
	phaseSFTP                       // starting the sftp subsystem
)

func (e *ConnError) Error() string { return fmt.Sprintf("snakefruit: %s: %v", e.Op, e.Err) }
func (e *ConnError) Unwrap() error { return e.Err }

// permanentError marks a failure of the caller's inputs (e.g. a source file that does not
// match its declared size or hash) that no retry will change.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether retrying err is pointless: a host key problem, an
// authentication refusal, a bad configuration or bad inputs. Connection errors are not.
func IsPermanent(err error) bool {
	var (
		hk   *HostKeyError
		cfg  *ConfigError
		auth *AuthError
		perm *permanentError
	)
	return errors.As(err, &hk) || errors.As(err, &cfg) || errors.As(err, &auth) || errors.As(err, &perm)
}

// errKind sorts the failures this package detects itself (as opposed to those the transport
// reports), so that Describe can tell them apart by type: their text names local paths.
type errKind int

const (
	kindSource        errKind = iota + 1 // Put's source cannot be opened or read
	kindSourceChanged                    // Put's source no longer has its declared size or sha256
	kindLanded                           // a click's upload read back with another size or sha256
	kindListLanded                       // the list's temp file read back with other content
	kindListBusy                         // the list kept changing under EditList
	kindListTooLarge                     // the list file is too large to be one
	kindBadLine                          // an edit produced a line with a newline in it
	kindBadName                          // a file name Put or Remove must not use
	kindBadChecksum                      // Put's declared sha256 is not one
	kindNoPosixRename                    // the sftp server cannot replace a file atomically
)

// kindError gives one of this package's own errors its kind, leaving its text (for the log)
// as it was.
type kindError struct {
	kind errKind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func kindf(kind errKind, format string, args ...any) error {
	return &kindError{kind, fmt.Errorf(format, args...)}
}

func permanentKindf(kind errKind, format string, args ...any) error {
	return &permanentError{kindf(kind, format, args...)}
}
