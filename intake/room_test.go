package intake

import (
	"context"
	"io"
	"strings"
	"testing"

	"stagebot"
)

// Issue 12: a !stage is refused, before anything is fetched, when the downloads folder has
// no room for downloads.max_bytes.
func TestFetchRefusedWithoutRoom(t *testing.T) {
	cases := []struct {
		name     string
		maxBytes int64
		free     func(string) (uint64, error) // nil = the real statfs
		refused  bool
	}{
		{"room enough", 1 << 20, func(string) (uint64, error) { return 2 << 20, nil }, false},
		{"exactly enough", 1 << 20, func(string) (uint64, error) { return 1 << 20, nil }, false},
		{"too little", 4 << 30, func(string) (uint64, error) { return 1 << 30, nil }, true},
		{"no file system is that large", 1 << 62, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opened := false
			f := &Fetcher{Dir: t.TempDir(), MaxBytes: c.maxBytes, FreeSpace: c.free}
			src := Source{Kind: FromAttachment, Value: "x_1_all.click", Open: func(context.Context) (body io.ReadCloser, size int64, err error) {
				opened = true
				return nil, 0, stagebot.Errorf(stagebot.EINVALID, "not this time")
			}}
			_, err := f.Fetch(context.Background(), src)
			if !c.refused {
				if !opened {
					t.Fatalf("refused with room: %v", err)
				}
				return
			}
			if opened {
				t.Fatalf("fetched without room")
			}
			if err == nil || !strings.Contains(err.Error(), "no room for a download") || !strings.Contains(err.Error(), "downloads.max_bytes") {
				t.Fatalf("err %v, want one that says there is no room", err)
			}
			if stagebot.ErrorMessage(err) != err.Error() {
				t.Fatalf("chat would not see why: %q", stagebot.ErrorMessage(err))
			}
		})
	}
}
