package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
)

// The system-image server's two documents, as far as the watcher reads them. channels.json
// maps a channel to its devices and each device to its index:
//
//	{"ubuntu-touch/stable/bq-aquaris.en": {"devices": {"krillin":
//	    {"index": "/ubuntu-touch/stable/bq-aquaris.en/krillin/index.json", "keyring": {...}}}}}
//
// and index.json lists the images of one channel and device, full and delta:
//
//	{"global": {"generated_at": "..."}, "images": [{"type": "full", "version": 312,
//	    "description": "...", "files": [...], "phased-percentage": 50}, ...]}
type channelsDoc map[string]struct {
	Devices map[string]struct {
		Index string `json:"index"`
	} `json:"devices"`
}

type indexDoc struct {
	Images []imageDoc `json:"images"`
}

type imageDoc struct {
	Type        string            `json:"type"`
	Version     *int              `json:"version"`
	Description string            `json:"description"`
	Files       []json.RawMessage `json:"files"`
	Phased      *float64          `json:"phased-percentage"`
}

// Newest is what the watcher acts on: the newest full image of a channel and its phasing.
type Newest struct {
	Version int
	Phased  int // phased-percentage; absent = 100
}

// indexPath finds channel/device's index in channels.json; a server that does not list the
// channel falls back to the conventional <channel>/<device>/index.json.
func indexPath(channels []byte, channel, device string) (string, error) {
	if len(channels) > 0 {
		var doc channelsDoc
		if err := json.Unmarshal(channels, &doc); err != nil {
			return "", fmt.Errorf("channels.json: %w", err)
		}
		if ch, ok := doc[channel]; ok {
			d, ok := ch.Devices[device]
			if !ok {
				return "", fmt.Errorf("channels.json: channel %s has no device %s", channel, device)
			}
			if d.Index == "" {
				return "", fmt.Errorf("channels.json: %s/%s has no index", channel, device)
			}
			return d.Index, nil
		}
	}
	return "/" + path.Join(channel, device, "index.json"), nil
}

// parseIndex reads an index.json and picks its newest full image. An index that makes no
// sense is an error, never a guess: no full image, a full image without a version, the
// same version twice as full, a phased-percentage outside 0..100.
func parseIndex(b []byte) (Newest, error) {
	var doc indexDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return Newest{}, fmt.Errorf("index.json: %w", err)
	}
	if doc.Images == nil {
		return Newest{}, errors.New("index.json: no images list")
	}
	var best *imageDoc
	fulls := map[int]bool{}
	for i := range doc.Images {
		img := &doc.Images[i]
		if img.Phased != nil && (*img.Phased < 0 || *img.Phased > 100) {
			return Newest{}, fmt.Errorf("index.json: phased-percentage %v is not a percentage", *img.Phased)
		}
		if img.Type != "full" {
			continue
		}
		if img.Version == nil || *img.Version <= 0 {
			return Newest{}, errors.New("index.json: a full image without a positive version")
		}
		if fulls[*img.Version] {
			return Newest{}, fmt.Errorf("index.json: full image %d listed twice", *img.Version)
		}
		fulls[*img.Version] = true
		if best == nil || *img.Version > *best.Version {
			best = img
		}
	}
	if best == nil {
		return Newest{}, errors.New("index.json: no full image")
	}
	n := Newest{Version: *best.Version, Phased: 100}
	if best.Phased != nil {
		n.Phased = int(*best.Phased)
	}
	return n, nil
}
