package snakefruit

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// DefaultListFile is the list's name when Config.ListFile is empty.
const DefaultListFile = "locked_clicks_list"

// TempPrefix starts the name of every temporary file this package writes, so that recovery can
// recognise (and only ever remove) its own leftovers.
const TempPrefix = ".stagebot-tmp-"

// DefaultDialTimeout bounds connecting and the SSH handshake when Config.DialTimeout is 0.
const DefaultDialTimeout = 15 * time.Second

// Config selects and reaches a snakefruit folder.
type Config struct {
	Target      string // file:///abs/path or sftp://user@host:port/abs/path
	ListFile    string // relative to Target; default DefaultListFile
	SSHKey      string // private key path (sftp)
	Passphrase  string // optional, for an encrypted key
	KnownHosts  string // required for sftp: host keys are always checked
	DialTimeout time.Duration
	// KeepAlive is how often an idle or busy SSH connection must show a sign of life
	// (DefaultKeepAlive when zero); see keepAlive.
	KeepAlive time.Duration
	// OpTimeout is how long an sftp operation may go without an answer from the server
	// before it is abandoned and its connection retired (DefaultOpTimeout when zero); see
	// connections.
	OpTimeout time.Duration
	// MakeFolder has Open create a file:// target's folder when it is missing (the embedded
	// default's, under state_dir); an sftp target's folder is never made.
	MakeFolder bool
}

// ListAt is cfg with its list at p, for a second Target that reads another list of the same
// folder: p is relative to the folder, or an absolute path inside it.
func (c Config) ListAt(p string) (Config, error) {
	if path.IsAbs(p) {
		u, err := url.Parse(c.Target)
		if err != nil {
			return Config{}, &ConfigError{"target", err.Error()}
		}
		root := path.Clean(u.Path)
		rel, ok := strings.CutPrefix(path.Clean(p), strings.TrimSuffix(root, "/")+"/")
		if u.Path == "" || !ok {
			return Config{}, fmt.Errorf("%s is not inside the snakefruit target's folder %s", p, root)
		}
		p = rel
	}
	c.ListFile = p
	return c, nil
}

// File is one entry of the folder.
type File struct {
	Name string
	Size int64
}

// Target is a snakefruit folder reached through some transport.
type Target interface {
	// Put places the local file src in the folder as name: upload to a temp name, check size
	// and sha256 of what landed, then rename it to name. If name already exists with that
	// sha256, it does nothing; if it exists with other bytes, it changes nothing and returns
	// an *OccupiedError (permanent): the bot never replaces a file it did not put there.
	Put(ctx context.Context, name, src string, size int64, sha256hex string) error
	// Remove deletes name; a missing file is fine.
	Remove(ctx context.Context, name string) error
	// ReadList returns the list's lines; a missing list is an empty one.
	ReadList(ctx context.Context) ([]string, error)
	// EditList rewrites the list atomically: edit gets the current lines and returns the new
	// ones. If the list changed between reading and renaming (a person edited it meanwhile),
	// it re-reads and calls edit again. Returning the lines unchanged writes nothing.
	EditList(ctx context.Context, edit func(lines []string) ([]string, error)) error
	// Files lists the regular files of the folder, temporary ones and the list included.
	Files(ctx context.Context) ([]File, error)
	// Preupload streams r into the pending file of request id (PendingName) while the request
	// waits for approval, and reports what landed there (size, sha256, modification time).
	Preupload(ctx context.Context, id string, r io.ReadSeeker) (Pending, error)
	// Promote renames pending file p to name if it is still the file p describes (size
	// and modification time), else it returns ErrPendingChanged and renames nothing. A name
	// that holds other bytes is not replaced: *OccupiedError, as Put.
	Promote(ctx context.Context, p Pending, name string) error
	// RemovePending removes request id's pending file; a missing one is fine. It never
	// waits for a pre-upload of id still under way: it stops it instead (the pre-upload
	// removes what it wrote as it stops) and returns ErrPendingBusy, to be tried again.
	RemovePending(ctx context.Context, id string) error
	// Tidy removes the temp files of failed operations whose removal failed too (the link
	// was down); it waits for no other operation.
	Tidy(ctx context.Context) error
	// SweepTemps removes leftover temporary files of ours (never pending uploads), except
	// those operations of this target are writing: it waits for none of them.
	SweepTemps(ctx context.Context) error
	// String describes the target for logs, without secrets.
	String() string
	Close() error
}

// Check reports every problem for which Open refuses cfg, in one pass and without the
// network or the disk: check-config and the start refuse the same things. Each error's
// Field is the configuration key under snakefruit. The key files themselves are read by
// Open (and by check-config), not here.
func (cfg Config) Check() []*ConfigError {
	var errs []*ConfigError
	bad := func(field, problem string) { errs = append(errs, &ConfigError{field, problem}) }
	list := cmp.Or(cfg.ListFile, DefaultListFile)
	if err := checkListFile(list); err != nil {
		errs = append(errs, err)
	}
	u, err := url.Parse(cfg.Target)
	if err != nil {
		bad("target", "not a URL: "+err.Error())
		return errs
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			// A file URL's host names the machine; only this one can be reached as a folder.
			bad("target", fmt.Sprintf("file:// takes no host but localhost, got %q; for a local folder write file:///srv/locked-clicks", u.Host))
		}
		if !path.IsAbs(u.Path) {
			bad("target", "file:// needs an absolute path, as in file:///srv/locked-clicks")
		}
	case "sftp":
		if u.User.Username() == "" || u.Hostname() == "" || !path.IsAbs(u.Path) {
			bad("target", "must be sftp://user@host:port/absolute/path")
		}
		if _, pw := u.User.Password(); pw {
			bad("target", "must not carry a password; use ssh_key")
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
				bad("target", "bad port "+port)
			}
		}
		if cfg.SSHKey == "" {
			bad("ssh_key", "required for sftp targets")
		}
		if cfg.KnownHosts == "" {
			bad("known_hosts", "required for sftp targets: host keys are always checked")
		}
	default:
		bad("target", fmt.Sprintf("scheme must be file:// or sftp://, got %q", u.Scheme))
	}
	return errs
}

// Open returns the Target that cfg.Target names, by its scheme, once Check finds nothing
// wrong with cfg. An sftp target connects on first use and reconnects after a failure, so
// Open does not touch the network. Its errors start with "snakefruit:".
func Open(ctx context.Context, cfg Config) (Target, error) {
	if errs := cfg.Check(); len(errs) > 0 {
		return nil, errs[0]
	}
	list := cmp.Or(cfg.ListFile, DefaultListFile)
	u, err := url.Parse(cfg.Target)
	if err != nil {
		return nil, &ConfigError{"target", err.Error()}
	}
	root := path.Clean(u.Path)
	if u.Scheme == "file" {
		// The URL's path, not the text after "file://": file://localhost/srv/x is /srv/x.
		if cfg.MakeFolder {
			if err := os.MkdirAll(root, 0o750); err != nil {
				return nil, fmt.Errorf("snakefruit: %w", err)
			}
		}
		return newTarget(localFS{root: root}, list), nil
	}
	fs, err := newSFTPFS(u, cfg)
	if err != nil {
		return nil, err
	}
	return newTarget(fs, list), nil
}

func checkListFile(list string) *ConfigError {
	clean := path.Clean(list)
	if path.IsAbs(list) || clean != list || clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
		return &ConfigError{"list_file", "must be a clean path relative to the target, got " + list}
	}
	if strings.HasPrefix(path.Base(clean), TempPrefix) {
		return &ConfigError{"list_file", "must not start with " + TempPrefix}
	}
	return nil
}
