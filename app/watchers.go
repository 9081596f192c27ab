package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"stagebot/config"
	"stagebot/snakefruit"
	"stagebot/watch"
	"stagebot/workflow"
)

// addWatchers adds to g the watchers of the outside signals the config asks for: the synced
// click list and the system-image server.
func addWatchers(ctx context.Context, g *group, cfg *config.Config, svc *workflow.Service, log *slog.Logger) error {
	if cs := cfg.ClickSync; cs.WatchList != "" {
		src, closeSrc, err := listSource(ctx, cfg)
		if err != nil {
			return fmt.Errorf("click_sync.watch_list: %w", err)
		}
		g.add(part{name: "click-sync watch", close: closeSrc, run: (&watch.ListWatcher{
			Source: src, Service: svc, Interval: cs.PollInterval.Duration, Log: log.With("part", "click-sync watch"),
		}).Run})
		if err := svc.WatchSyncedList(src.String(), cs.AbsentAfter); err != nil {
			return err
		}
	} else if err := svc.UnwatchSyncedList(); err != nil {
		return err
	}

	if im := cfg.Images; im != nil {
		g.add(part{name: "image watch", run: (&watch.ImageWatcher{
			Server: im.Server, RCProposed: im.RCProposedChannel, Stable: im.StableChannel, Device: im.Device,
			Interval: im.PollInterval.Duration, Client: &http.Client{Timeout: 30 * time.Second},
			Service: svc, Store: svc, Log: log.With("part", "image watch"),
		}).Run})
	}
	return nil
}

// listSource is the synced list: an http(s) URL, or a path in the snakefruit target's
// folder, read through a second Target whose "list" is that file.
func listSource(ctx context.Context, cfg *config.Config) (watch.ListSource, func(), error) {
	cs := cfg.ClickSync
	// Not the poll interval: a short interval is no reason to give a slow server less time.
	timeout := 30 * time.Second
	if strings.HasPrefix(cs.WatchList, "http://") || strings.HasPrefix(cs.WatchList, "https://") {
		return watch.NewHTTPList(cs.WatchList, &http.Client{Timeout: timeout}), func() {}, nil
	}
	tc, err := cfg.SnakefruitConfig().ListAt(cs.WatchList)
	if err != nil {
		return nil, nil, err
	}
	t, err := snakefruit.Open(ctx, tc)
	if err != nil {
		return nil, nil, err
	}
	return &watch.TargetList{Target: t, Path: tc.ListFile}, func() { t.Close() }, nil
}
