package intake

import (
	"io"
	"sync/atomic"
	"time"
)

// DefaultIdleTimeout is downloads.idle_timeout when the config says nothing.
const DefaultIdleTimeout = 60 * time.Second

// watchdog ends a download that waits longer than idle for the source: it runs only
// while the download waits on the source (connecting, the response's headers, a read of
// the body), never while the bot's own side (the disk, the inspector) is behind, so a
// slow disk is not taken for a stalled server.
type watchdog struct {
	idle    time.Duration
	timer   *time.Timer
	fired   atomic.Bool
	armed   atomic.Bool
	armedAt atomic.Int64 // UnixNano of the last arm
}

// newWatchdog makes a disarmed watchdog that calls stop once it fires.
func newWatchdog(idle time.Duration, stop func()) *watchdog {
	w := &watchdog{idle: idle}
	w.timer = time.AfterFunc(idle, func() {
		w.fired.Store(true)
		stop()
	})
	w.timer.Stop()
	return w
}

func (w *watchdog) arm() {
	w.armedAt.Store(time.Now().UnixNano())
	w.armed.Store(true)
	w.timer.Reset(w.idle)
}

func (w *watchdog) disarm() {
	w.timer.Stop()
	w.armed.Store(false)
}

// stalled reports whether the download waited on the source for idle: the watchdog
// ended it, or, while it is still armed, something else with the same bound (the
// transport's wait for headers) failed it first.
func (w *watchdog) stalled() bool {
	return w.fired.Load() || (w.armed.Load() && time.Since(time.Unix(0, w.armedAt.Load())) >= w.idle)
}

// watchedReader reads under the watchdog: a read that brings nothing for idle fails.
type watchedReader struct {
	r io.Reader
	w *watchdog
}

func (wr watchedReader) Read(p []byte) (int, error) {
	wr.w.arm()
	n, err := wr.r.Read(p)
	wr.w.disarm()
	return n, err
}
