package matrix_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"stagebot/internal/dendritetest"
	"stagebot/internal/testenv"
)

// The tests of this package share one Dendrite: it starts in well under a second, but each
// one costs its memory while the package runs, and the tests keep apart by their own users
// and rooms (every name carries the test's number).

var shared struct {
	once    sync.Once
	s       *dendritetest.Server
	dir     string
	err     error
	started time.Time
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.s != nil {
		if err := shared.s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping Dendrite:", err)
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// homeserver is the package's Dendrite, started by the first test that needs it. A test
// whose server cannot start is skipped on a developer's machine and fails under CI=true;
// a failed test shows the end of Dendrite's log.
func homeserver(t *testing.T) *dendritetest.Server {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		bin, err := dendritetest.Install(ctx, io.Discard, func() {
			t.Logf("waiting for another process building Dendrite %s", dendritetest.Version)
		})
		if err != nil {
			shared.err = fmt.Errorf("building Dendrite: %w", err)
			return
		}
		if shared.dir, err = os.MkdirTemp("", "stagebot-matrix-test-"); err != nil {
			shared.err = err
			return
		}
		shared.s, shared.err = dendritetest.New(bin, shared.dir, dendritetest.Options{})
		if shared.err == nil {
			t.Logf("Dendrite started in %s", shared.s.StartTime().Round(time.Millisecond))
		}
	})
	if shared.err != nil {
		testenv.Unavailable(t, "Dendrite: %v", shared.err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the end of Dendrite's log:\n%s", shared.s.Log(6000))
		}
	})
	return shared.s
}
