package stagebot_test

import (
	"testing"
	"time"

	"stagebot"
)

func TestFormatDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{31 * time.Second, "31s"},
		{31*time.Second + 400*time.Millisecond, "31s"},
		{12*time.Minute + 5*time.Second, "12m 5s"},
		{4 * time.Hour, "4h"},
		{4*time.Hour + 30*time.Second, "4h"},
		{51 * time.Hour, "2d 3h"},
		{48*time.Hour + 5*time.Minute, "2d"},
		{14 * 24 * time.Hour, "14d"},
		{-90 * time.Second, "1m 30s"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := stagebot.FormatDuration(c.d); got != c.want {
				t.Fatalf("FormatDuration(%v) = %q, want %q", c.d, got, c.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 29, 18, 53, 59, 0, time.UTC), "2026-11-29 18:53 UTC"},
		{time.Date(2026, 11, 29, 19, 53, 0, 0, paris), "2026-11-29 18:53 UTC"},
	}
	for _, c := range cases {
		if got := stagebot.FormatTime(c.t); got != c.want {
			t.Errorf("FormatTime(%v) = %q, want %q", c.t, got, c.want)
		}
	}
	if got := stagebot.Ago(time.Unix(100, 0), time.Unix(69, 0)); got != "31s ago" {
		t.Errorf("Ago = %q", got)
	}
}
