package intake

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSlowDownloadIsToldOnce: a download still under way SlowAfter after its turn came is
// reported once, with the bytes so far and the whole size the server gave; one done before
// that is not reported at all.
func TestSlowDownloadIsToldOnce(t *testing.T) {
	name, body := bigClick(t, "com.example.slow")
	// The slow download goes on once it was reported: without a report it would stall.
	reported := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if strings.HasPrefix(r.URL.Path, "/slow/") {
			w.Write(body[:1000])
			w.(http.Flusher).Flush()
			select {
			case <-reported:
			case <-r.Context().Done():
				return
			}
		} else {
			w.Write(body[:1000])
		}
		w.Write(body[1000:])
	}))
	t.Cleanup(srv.Close)
	f := &Fetcher{Dir: t.TempDir(), AllowedHosts: []string{"127.0.0.1"}, SlowAfter: 500 * time.Millisecond, IdleTimeout: time.Minute}
	type heard struct{ got, total int64 }
	for _, c := range []struct {
		path string
		want []heard
	}{
		{"/fast/", nil},
		{"/slow/", []heard{{1000, int64(len(body))}}},
	} {
		t.Run(c.path, func(t *testing.T) {
			var mu sync.Mutex
			var got []heard
			src := Source{Kind: FromURL, Value: srv.URL + c.path + name, Who: "alice",
				Slow: func(n, total int64) {
					mu.Lock()
					got = append(got, heard{n, total})
					mu.Unlock()
					once.Do(func() { close(reported) })
				}}
			res, err := f.Fetch(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(res.Path)
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, c.want) {
				t.Fatalf("told %v, want %v", got, c.want)
			}
		})
	}
}
