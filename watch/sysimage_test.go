package watch

import (
	"strings"
	"testing"
)

func TestParseIndex(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    Newest
		wantErr string
	}{
		{"newest full wins over older full and newer delta", `{"global": {"generated_at": "Mon Mar 14 10:00:00 UTC 2016"}, "images": [
			{"type": "full", "version": 310, "description": "old", "files": []},
			{"type": "full", "version": 312, "description": "new", "files": [{"path": "/pool/a.tar.xz", "size": 1, "order": 0}], "phased-percentage": 50},
			{"type": "delta", "base": 312, "version": 313, "files": []}]}`, Newest{312, 50}, ""},
		{"absent phased-percentage is 100", `{"images": [{"type": "full", "version": 7, "files": []}]}`, Newest{7, 100}, ""},
		{"zero phased-percentage", `{"images": [{"type": "full", "version": 7, "files": [], "phased-percentage": 0}]}`, Newest{7, 0}, ""},
		{"not JSON", `{"images": [`, Newest{}, "index.json"},
		{"trailing garbage", `{"images": []} x`, Newest{}, "index.json"},
		{"no images key", `{"global": {}}`, Newest{}, "no images list"},
		{"only deltas", `{"images": [{"type": "delta", "version": 3, "base": 2, "files": []}]}`, Newest{}, "no full image"},
		{"percentage above 100", `{"images": [{"type": "full", "version": 3, "files": [], "phased-percentage": 150}]}`, Newest{}, "not a percentage"},
		{"negative percentage", `{"images": [{"type": "full", "version": 3, "files": [], "phased-percentage": -1}]}`, Newest{}, "not a percentage"},
		{"full without version", `{"images": [{"type": "full", "files": []}]}`, Newest{}, "positive version"},
		{"version as string", `{"images": [{"type": "full", "version": "3", "files": []}]}`, Newest{}, "index.json"},
		{"same full twice", `{"images": [{"type": "full", "version": 3, "files": []}, {"type": "full", "version": 3, "files": []}]}`, Newest{}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIndex([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseIndex = %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseIndex = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestIndexPath(t *testing.T) {
	channels := `{"ubuntu-touch/stable/bq-aquaris.en": {"hidden": false, "devices": {
		"krillin": {"index": "/ubuntu-touch/stable/bq-aquaris.en/krillin/index.json", "keyring": {"path": "/k.tar.xz", "signature": "/k.tar.xz.asc"}}}},
		"ubuntu-touch/broken": {"devices": {"krillin": {}}}}`
	tests := []struct {
		name, channels, channel, device, want, wantErr string
	}{
		{"listed", channels, "ubuntu-touch/stable/bq-aquaris.en", "krillin", "/ubuntu-touch/stable/bq-aquaris.en/krillin/index.json", ""},
		{"unlisted channel falls back", channels, "ubuntu-touch/rc-proposed/bq-aquaris.en", "krillin", "/ubuntu-touch/rc-proposed/bq-aquaris.en/krillin/index.json", ""},
		{"device missing", channels, "ubuntu-touch/stable/bq-aquaris.en", "arale", "", "no device"},
		{"no index", channels, "ubuntu-touch/broken", "krillin", "", "no index"},
		{"bad json", `{`, "c", "d", "", "channels.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indexPath([]byte(tt.channels), tt.channel, tt.device)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("indexPath = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("indexPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDecideStable(t *testing.T) {
	tests := []struct {
		name    string
		base    *seen
		n       Newest
		want    stableAction
		wantErr bool
	}{
		{"first look is a baseline", nil, Newest{100, 40}, stableAction{Next: seen{Version: 100, Phased: 40}}, false},
		{"same image same phasing", &seen{Version: 100, Phased: 40}, Newest{100, 40}, stableAction{Next: seen{Version: 100, Phased: 40}}, false},
		{"phasing moved", &seen{Version: 100, Phased: 10}, Newest{100, 50}, stableAction{Phasing: true, Next: seen{Version: 100, Phased: 50}}, false},
		{"phasing ended", &seen{Version: 100, Phased: 50}, Newest{100, 100}, stableAction{Phasing: true, Next: seen{Version: 100, Phased: 100}}, false},
		{"newer image is a promotion", &seen{Version: 100, Phased: 100}, Newest{101, 10}, stableAction{Promote: true, Phasing: true, Next: seen{Version: 101, Phased: 10}}, false},
		{"promotion at phasing 0 reports no phasing", &seen{Version: 100, Phased: 100}, Newest{101, 0}, stableAction{Promote: true, Next: seen{Version: 101, Phased: 0}}, false},
		{"going backwards is nonsense", &seen{Version: 101, Phased: 10}, Newest{100, 100}, stableAction{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decideStable(tt.base, tt.n)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("decideStable = %+v, %v; want %+v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecideRC(t *testing.T) {
	tests := []struct {
		name    string
		base    *seen
		n       Newest
		want    rcAction
		wantErr bool
	}{
		{"first look is a baseline", nil, Newest{200, 100}, rcAction{Next: seen{Version: 200, Phased: 100}}, false},
		{"same image", &seen{Version: 200, Phased: 100}, Newest{200, 100}, rcAction{Next: seen{Version: 200, Phased: 100}}, false},
		{"newer image is announced", &seen{Version: 200, Phased: 100}, Newest{201, 100}, rcAction{Announce: true, Next: seen{Version: 201, Phased: 100}}, false},
		{"going backwards is nonsense", &seen{Version: 201, Phased: 100}, Newest{200, 100}, rcAction{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decideRC(tt.base, tt.n)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("decideRC = %+v, %v; want %+v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
