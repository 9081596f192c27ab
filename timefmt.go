package stagebot

import (
	"strconv"
	"strings"
	"time"
)

// FormatTime is how every view writes a moment: UTC, to the minute, with its zone, so a
// reader in any timezone knows what it means.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// FormatDuration writes d as people say it: its two largest units, whole, "2d 3h", "4h",
// "12m 5s", "31s". Chat readers want the order of magnitude, not Go's "50h0m0s".
// A negative d is written as its size.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if len(parts) == 2 {
			break
		}
		n := d / u.size
		d -= n * u.size
		if n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+u.name)
		} else if len(parts) > 0 {
			// "2d 3h", never "2d 0h 5m" cut to "2d": the second unit is the next one.
			break
		}
	}
	if len(parts) == 0 {
		return "0s"
	}
	return strings.Join(parts, " ")
}

// Ago is FormatDuration(now-t) followed by "ago".
func Ago(now, t time.Time) string { return FormatDuration(now.Sub(t)) + " ago" }
