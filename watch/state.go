package watch

import "stagebot"

// StateStore keeps the image watcher's baselines across restarts (the workflow service
// does, in bbolt).
type StateStore interface {
	// ImagesSeen is what was last judged, by "channel/device"; empty before the first look.
	ImagesSeen() (map[string]stagebot.ImageSeen, error)
	KeepImagesSeen(map[string]stagebot.ImageSeen) error
}
