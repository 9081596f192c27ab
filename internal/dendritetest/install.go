package dendritetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Version is the Dendrite release the tests run: the last one from matrix-org (Apache-2.0),
// built from the Go module proxy.
const Version = "v0.13.8"

// The two commands the harness needs: the homeserver and the signing-key generator.
var commands = []string{"dendrite", "generate-keys"}

// BinDir is where the Dendrite binaries are cached for the current user: built once, used by
// every later run.
func BinDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "stagebot", "dendrite-"+Version), nil
}

// installed reports whether dir holds both commands. The folder only ever appears complete
// (Install renames it into place), so this is true exactly when a build finished.
func installed(dir string) bool {
	for _, c := range commands {
		st, err := os.Stat(filepath.Join(dir, c))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Install builds Dendrite into BinDir unless it is there, and returns BinDir. Every process
// that wants it (scripts/test-deps in the background, test binaries of several packages)
// calls Install: an exclusive lock on a file beside the folder makes one of them build
// while the others wait, so it is built once and nobody runs a half-written binary. waiting
// is called once if another process holds the lock. The build's output goes to log.
func Install(ctx context.Context, log io.Writer, waiting func()) (string, error) {
	dir, err := BinDir()
	if err != nil {
		return "", err
	}
	if installed(dir) {
		return dir, nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(ctx, dir+".lock", waiting)
	if err != nil {
		return "", err
	}
	defer unlock()
	if installed(dir) {
		return dir, nil // built by the process we waited for
	}
	tmp, err := os.MkdirTemp(parent, ".dendrite-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone after the rename; left over only on failure
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	args := []string{"install"}
	for _, c := range commands {
		args = append(args, "github.com/matrix-org/dendrite/cmd/"+c+"@"+Version)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	// Outside any module, so the project's go.mod neither pins nor records Dendrite's
	// dependencies; cgo on for its SQLite driver.
	cmd.Dir = parent
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "CGO_ENABLED=1", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	fmt.Fprintf(log, "building Dendrite %s into %s\n", Version, dir)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	if !installed(tmp) {
		return "", fmt.Errorf("go install left no %v in %s", commands, tmp)
	}
	_ = os.RemoveAll(dir) // an incomplete folder put there by hand
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "built Dendrite %s in %s\n", Version, time.Since(start).Round(time.Second))
	return dir, nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can end the wait.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the file releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another process building Dendrite (lock %s): %w", path, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
