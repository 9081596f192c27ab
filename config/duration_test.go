package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "14d", want: 14 * day},
		{in: "1d12h", want: day + 12*time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "0d", want: 0},
		{in: "0", want: 0},
		{in: "4h", want: 4 * time.Hour},
		{in: "90m30s", want: 90*time.Minute + 30*time.Second},
		{in: "-1d", want: -day},
		{in: "2d3h4m", want: 2*day + 3*time.Hour + 4*time.Minute},
		{in: "", bad: true},
		{in: "d", bad: true},
		{in: "soon", bad: true},
		{in: "1d1d", bad: true},
		{in: "1d-3h", bad: true},
		{in: "1e3d", bad: true},
		{in: "infd", bad: true},
		{in: "99999999999d", bad: true},
		{in: "1h2d", bad: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDuration(c.in)
			if c.bad {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", c.in, got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
}

func TestExpireAfterInConfig(t *testing.T) {
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	cases := []struct {
		name string
		yaml string
		want time.Duration
		bad  string
	}{
		{name: "default", yaml: base, want: 14 * 24 * time.Hour},
		{name: "days", yaml: base + "policy: {expire_after: 3d}\n", want: 3 * 24 * time.Hour},
		{name: "never", yaml: base + "policy: {expire_after: 0}\n", want: 0},
		{name: "days elsewhere", yaml: base + "policy: {remind_after: 1d12h, expire_after: 7d}\n", want: 7 * 24 * time.Hour},
		{name: "negative", yaml: base + "policy: {expire_after: -1d}\n", bad: "policy.expire_after: must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(nil))
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Fatalf("err = %v, want %q", err, c.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, p := cfg.Domain(); p.ExpireAfter != c.want {
				t.Fatalf("expire_after = %v, want %v", p.ExpireAfter, c.want)
			}
		})
	}
}
