package watch

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"stagebot/snakefruit"
)

// ListSource fetches the synced click list: one filename per line.
type ListSource interface {
	// Fetch returns the list's lines; unchanged reports that they are the same as the last
	// ones returned (a 304), so the caller may skip comparing.
	Fetch(ctx context.Context) (lines []string, unchanged bool, err error)
	String() string
}

// HTTPList is a synced list served over http(s).
type HTTPList struct {
	URL string
	get *condGetter
}

// NewHTTPList fetches url with client (whose timeout bounds each poll).
func NewHTTPList(url string, client *http.Client) *HTTPList {
	return &HTTPList{URL: url, get: newCondGetter(client)}
}

func (l *HTTPList) Fetch(ctx context.Context) ([]string, bool, error) {
	body, same, err := l.get.get(ctx, l.URL)
	if err != nil {
		return nil, false, err
	}
	return strings.Split(string(body), "\n"), same, nil
}

func (l *HTTPList) String() string { return l.URL }

// Refetch makes the next Fetch unconditional.
func (l *HTTPList) Refetch() { l.get.forget(l.URL) }

// TargetList is a synced list that lives on the snakefruit target: a Target opened with the
// watched file as its list file reads it through the same transport (file or sftp) and
// with the same host-key checks as the locked list.
type TargetList struct {
	Target snakefruit.Target
	Path   string
}

func (l *TargetList) Fetch(ctx context.Context) ([]string, bool, error) {
	lines, err := l.Target.ReadList(ctx)
	return lines, false, err
}

func (l *TargetList) String() string { return l.Target.String() + " " + l.Path }

// ListService is what the list watcher needs from the workflow.
type ListService interface {
	// ObserveSyncedList compares the list with the last one seen (the first is the
	// baseline) and ticks when it changed.
	ObserveSyncedList(lines []string) (bool, error)
}

// ListWatcher polls the synced click list; each change after the first look is a tick.
type ListWatcher struct {
	Source   ListSource
	Service  ListService
	Interval time.Duration
	Timeout  time.Duration // per poll; 0 = Interval
	Log      *slog.Logger
}

// Run polls until ctx ends. A failed fetch is logged and changes nothing: the baseline is
// kept, and the next successful fetch is compared against it.
func (w *ListWatcher) Run(ctx context.Context) error {
	return every(ctx, w.Interval, func() { w.Poll(ctx) })
}

// Poll fetches once and reports the list to the workflow.
func (w *ListWatcher) Poll(ctx context.Context) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = max(w.Interval, 10*time.Second)
	}
	pollCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lines, unchanged, err := w.Source.Fetch(pollCtx)
	if err != nil {
		if ctx.Err() == nil {
			w.log().Warn("synced click list: fetch failed", "source", w.Source.String(), "err", err)
		}
		return
	}
	if unchanged {
		return
	}
	ticked, err := w.Service.ObserveSyncedList(lines)
	if err != nil {
		w.log().Error("synced click list: record", "err", err)
		if r, ok := w.Source.(interface{ Refetch() }); ok {
			// Not recorded: the next poll must see the whole list again, not a 304.
			r.Refetch()
		}
		return
	}
	if ticked {
		w.log().Info("synced click list changed: tick", "source", w.Source.String())
	}
}

func (w *ListWatcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

// every runs fn at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
