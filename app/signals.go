package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"stagebot/bot"
	"stagebot/config"
	"stagebot/httpapi"
	"stagebot/snakefruit"
	"stagebot/watch"
	"stagebot/workflow"
)

// startSignals starts what feeds the workflow besides chat and the schedule: the synced-list
// watcher, the system-image watcher and the HTTP server. The returned stop ends them all and
// waits, so that nothing touches storage after Run closes it.
func startSignals(ctx context.Context, cfg *config.Config, svc *workflow.Service, b *bot.Bot, target snakefruit.Target, log *slog.Logger) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var closers []func()
	stop = func() {
		cancel()
		for _, c := range closers {
			c()
		}
		wg.Wait()
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				log.Error("stopped", "part", name, "err", err)
			}
		}()
	}

	if cs := cfg.ClickSync; cs.WatchList != "" {
		src, closeSrc, err := listSource(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("click_sync.watch_list: %w", err)
		}
		closers = append(closers, closeSrc)
		if err := svc.WatchSyncedList(src.String(), cs.AbsentAfter); err != nil {
			return nil, err
		}
		w := &watch.ListWatcher{Source: src, Service: svc, Interval: cs.PollInterval.Duration, Log: log.With("part", "click-sync watch")}
		goRun("click-sync watch", w.Run)
	} else if err := svc.UnwatchSyncedList(); err != nil {
		return nil, err
	}

	if im := cfg.Images; im != nil {
		w := &watch.ImageWatcher{
			Server: im.Server, RCProposed: im.RCProposedChannel, Stable: im.StableChannel, Device: im.Device,
			Interval: im.PollInterval.Duration, Client: &http.Client{Timeout: 30 * time.Second},
			Service: svc, Store: watch.MetaStore{DB: svc.DB()}, Log: log.With("part", "image watch"),
		}
		goRun("image watch", w.Run)
	}

	if h := cfg.HTTP; h != nil {
		// Not target: a probe on the worker's own connection, abandoned by a client that hung
		// up, would close that connection under an upload.
		probe, err := snakefruit.NewProber(targetConfig(cfg), 0)
		if err != nil {
			return nil, fmt.Errorf("snakefruit: %w", err)
		}
		// Listen before the bot starts, so a port already taken stops the bot at once.
		l, err := net.Listen("tcp", h.Listen)
		if err != nil {
			return nil, fmt.Errorf("http.listen: %w", err)
		}
		srv := httpapi.New(httpapi.Config{
			Service: svc, Bot: b, WebhookSecret: h.WebhookSecret, Log: log.With("part", "http"),
			Snakefruit: probe.Probe,
		})
		closers = append(closers, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		})
		goRun("http", func(context.Context) error { return srv.Serve(l) })
		log.Info("http listening", "addr", l.Addr().String())
	}
	return stop, nil
}

// listSource is the synced list: an http(s) URL, or a path inside the snakefruit target's
// folder, read through a second Target whose "list" is that file.
func listSource(ctx context.Context, cfg *config.Config) (watch.ListSource, func(), error) {
	cs := cfg.ClickSync
	// Not the poll interval: a short interval is no reason to give a slow server less time.
	timeout := 30 * time.Second
	if strings.HasPrefix(cs.WatchList, "http://") || strings.HasPrefix(cs.WatchList, "https://") {
		return watch.NewHTTPList(cs.WatchList, &http.Client{Timeout: timeout}), func() {}, nil
	}
	rel := cs.WatchList
	if path.IsAbs(rel) {
		root := targetRoot(cfg.Snakefruit.Target)
		r, ok := strings.CutPrefix(path.Clean(rel), strings.TrimSuffix(root, "/")+"/")
		if root == "" || !ok {
			return nil, nil, fmt.Errorf("%s is not inside the snakefruit target's folder %s", rel, root)
		}
		rel = r
	}
	t, err := snakefruit.Open(ctx, snakefruit.Config{
		Target: cfg.Snakefruit.Target, ListFile: rel, SSHKey: cfg.Snakefruit.SSHKey,
		Passphrase: cfg.Snakefruit.Passphrase, KnownHosts: cfg.Snakefruit.KnownHosts,
		DialTimeout: cfg.Snakefruit.Timeout.Duration,
	})
	if err != nil {
		return nil, nil, err
	}
	return &watch.TargetList{Target: t, Path: rel}, func() { t.Close() }, nil
}

// targetRoot is the folder path of a file:// or sftp:// target URL.
func targetRoot(target string) string {
	_, rest, ok := strings.Cut(target, "://")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		return path.Clean(rest[i:])
	}
	return ""
}
