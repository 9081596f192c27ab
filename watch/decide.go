package watch

import (
	"fmt"

	"stagebot"
)

// seen is a channel's baseline: the newest full image the watcher has acted on (or taken as
// the starting point) and, for stable, the phasing it last reported.
type seen = stagebot.ImageSeen

// rcAction is what a look at the rc-proposed channel calls for.
type rcAction struct {
	Announce bool // a newer full image: announce it
	Next     seen
}

// decideRC compares the newest rc-proposed image with the baseline (nil = first look).
func decideRC(base *seen, n Newest) (rcAction, error) {
	next := seen(n)
	switch {
	case base == nil:
		return rcAction{Next: next}, nil
	case n.Version < base.Version:
		return rcAction{}, fmt.Errorf("rc-proposed went backwards from image %d to %d", base.Version, n.Version)
	case n.Version == base.Version:
		return rcAction{Next: next}, nil
	}
	return rcAction{Announce: true, Next: next}, nil
}

// stableAction is what a look at the stable channel calls for.
type stableAction struct {
	Promote bool // a newer full image: the promotion happened
	Phasing bool // report Next.Phased as the phasing
	Next    seen
}

// decideStable compares the newest stable image with the baseline (nil = first look). A
// promotion restarts phasing at 0 in the workflow, so the new image's own percentage is
// reported right after unless it is 0.
func decideStable(base *seen, n Newest) (stableAction, error) {
	next := seen(n)
	switch {
	case base == nil:
		return stableAction{Next: next}, nil
	case n.Version < base.Version:
		return stableAction{}, fmt.Errorf("stable went backwards from image %d to %d", base.Version, n.Version)
	case n.Version > base.Version:
		return stableAction{Promote: true, Phasing: n.Phased != 0, Next: next}, nil
	}
	return stableAction{Phasing: n.Phased != base.Phased, Next: next}, nil
}
