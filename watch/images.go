package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"stagebot"
)

// ImageService is what the image watcher needs from the workflow.
type ImageService interface {
	AnnounceRCImage(version string) error
	Promote(actor stagebot.Identity, image string) ([]*stagebot.Request, error)
	SetPhasing(actor stagebot.Identity, percent int) (int, error)
}

// ImageWatcher follows a system-image server: a newer full image in rc-proposed is
// announced, a newer full image in stable is a promotion, and the newest stable image's
// phased-percentage is the phasing.
type ImageWatcher struct {
	Server     string // base URL serving channels.json
	RCProposed string
	Stable     string
	Device     string
	Interval   time.Duration
	Client     *http.Client // its Timeout bounds each request
	Service    ImageService
	Store      StateStore
	Log        *slog.Logger

	get *condGetter
}

// system is the actor of watched signals: the zero identity.
var system = stagebot.Identity{}

// Run polls until ctx ends.
func (w *ImageWatcher) Run(ctx context.Context) error {
	return every(ctx, w.Interval, func() { w.Poll(ctx) })
}

// Poll looks at both channels once. Each channel is judged on its own: a broken stable
// index does not hold back an rc-proposed announcement.
func (w *ImageWatcher) Poll(ctx context.Context) {
	if w.get == nil {
		client := w.Client
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		w.get = newCondGetter(client)
	}
	timeout := max(w.Interval, 30*time.Second)
	pollCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	channels, _, err := w.get.get(pollCtx, w.url("/channels.json"))
	if err != nil {
		if ctx.Err() == nil {
			w.log().Warn("system-image: channels.json", "err", err)
		}
		return
	}
	seenAll, err := w.Store.ImagesSeen()
	if err != nil {
		w.log().Error("system-image: load baselines", "err", err)
		return
	}
	for _, ch := range []string{w.RCProposed, w.Stable} {
		if pollCtx.Err() != nil {
			return
		}
		w.look(pollCtx, channels, ch, seenAll)
	}
}

func (w *ImageWatcher) look(ctx context.Context, channels []byte, channel string, seenAll map[string]seen) {
	log := w.log().With("channel", channel, "device", w.Device)
	p, err := indexPath(channels, channel, w.Device)
	if err != nil {
		log.Warn("system-image: ignored", "err", err)
		return
	}
	u := w.url(p)
	body, same, err := w.get.get(ctx, u)
	if err != nil {
		if !errors.Is(err, context.Canceled) { // canceled: the bot is stopping
			log.Warn("system-image: index", "url", u, "err", err)
		}
		return
	}
	if same {
		return // already judged
	}
	n, err := parseIndex(body)
	if err != nil {
		log.Warn("system-image: index ignored", "url", u, "err", err)
		return
	}
	key := channel + "/" + w.Device
	var base *seen
	if s, ok := seenAll[key]; ok {
		base = &s
	}
	next, retry, err := w.act(channel, base, n)
	if retry {
		// Judge the document again next time rather than trust a 304.
		w.get.forget(u)
	}
	if err != nil {
		log.Warn("system-image: index not acted on", "url", u, "err", err)
		return
	}
	if base != nil && *base == next {
		return
	}
	seenAll[key] = next
	if err := w.Store.KeepImagesSeen(seenAll); err != nil {
		log.Error("system-image: save baseline", "err", err)
		w.get.forget(u)
	}
}

func (w *ImageWatcher) act(channel string, base *seen, n Newest) (next seen, retry bool, err error) {
	version := strconv.Itoa(n.Version)
	if channel == w.RCProposed && channel != w.Stable {
		a, err := decideRC(base, n)
		if err != nil {
			return seen{}, false, err
		}
		if a.Announce {
			if err := w.Service.AnnounceRCImage(version); err != nil {
				return seen{}, true, fmt.Errorf("announce: %w", err)
			}
		}
		return a.Next, false, nil
	}
	a, err := decideStable(base, n)
	if err != nil {
		return seen{}, false, err
	}
	if a.Promote {
		if _, err := w.Service.Promote(system, version); err != nil {
			return seen{}, true, fmt.Errorf("promote: %w", err)
		}
	}
	if a.Phasing {
		if _, err := w.Service.SetPhasing(system, n.Phased); err != nil {
			if a.Promote {
				// The promotion is recorded (phasing 0); only the phasing is left to retry.
				w.log().Warn("system-image: phasing", "err", err)
				return seen{Version: n.Version, Phased: 0}, true, nil
			}
			return seen{}, true, fmt.Errorf("phasing: %w", err)
		}
	}
	return a.Next, false, nil
}

func (w *ImageWatcher) url(p string) string {
	return strings.TrimSuffix(w.Server, "/") + "/" + strings.TrimPrefix(p, "/")
}

func (w *ImageWatcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}
