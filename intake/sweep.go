package intake

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the name of every download in progress in Fetcher.Dir.
const tempPrefix = ".download-"

// SweepLeftovers removes downloads begun before `before` (the process's start): a crash
// mid-download leaves its temp file behind, and nothing else would ever remove it. A
// download of this process is never older than its start, so none in progress is touched.
func (f *Fetcher) SweepLeftovers(before time.Time) (int, error) {
	entries, err := os.ReadDir(f.Dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(f.Dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}
