package snakefruit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// OccupiedError reports that the folder already holds a file under the name a click is to
// take, with other bytes. The bot never replaces such a file: it did not put it there (a
// person did, or it is a leftover nobody accounted for), and only a person can say which of
// the two files is the right one. It is permanent until someone removes or renames it.
type OccupiedError struct {
	Name   string
	Size   int64  // what is there
	SHA256 string // what is there; "" when its size already told it apart
	Want   int64  // the click's size
}

func (e *OccupiedError) Error() string {
	what := fmt.Sprintf("%d bytes", e.Size)
	if e.SHA256 != "" {
		what += ", sha256 " + e.SHA256
	}
	return fmt.Sprintf("snakefruit: %s is already in the folder with other bytes (%s; the click has %d bytes): it is left as it is", e.Name, what, e.Want)
}

// describe is the sentence for people: the name is the click's own filename, which every
// announcement about it shows anyway.
func (e *OccupiedError) describe() string {
	what := fmt.Sprintf("with other bytes (%d bytes; the click has %d)", e.Size, e.Want)
	if e.Size == e.Want {
		what = "of the click's size but with other bytes"
	}
	return "snakefruit already has a file named " + e.Name + " " + what + ", which the bot does not replace: someone must remove or rename it there first"
}

// vacant reports whether a click of size bytes with sha256 want may take name in the folder:
// nil when name is absent or already holds exactly those bytes (then same is true), an
// *OccupiedError when it holds anything else, or the error that kept it from telling.
func (t *target) vacant(ctx context.Context, name string, size int64, want string) (same bool, err error) {
	n, err := t.fs.size(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("snakefruit: check %s: %w", name, err)
	}
	if n != size {
		return false, &permanentError{&OccupiedError{Name: name, Size: n, Want: size}}
	}
	_, got, err := t.fs.hashFile(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("snakefruit: check %s: hash existing: %w", name, err)
	}
	if got != want {
		return false, &permanentError{&OccupiedError{Name: name, Size: n, SHA256: got, Want: size}}
	}
	return true, nil
}

// checkSHA256 returns sha256hex in lowercase, or a permanent error if it is not a sha256.
func checkSHA256(name, sha256hex string) (string, error) {
	want := strings.ToLower(sha256hex)
	if b, err := hex.DecodeString(want); err != nil || len(b) != sha256.Size {
		return "", permanentKindf(kindBadChecksum, "snakefruit: put %s: %q is not a sha256", name, sha256hex)
	}
	return want, nil
}
