package intake

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/internal/testenv"
)

// TestStalledDownloadFails: a download that brings no byte for downloads.idle_timeout
// fails, and says it stalled, whether the server stalls before its headers or in the
// middle of the body; the follower (the pre-upload) hears that it failed. A server that
// is slow but never silent that long is not cut off, however long the whole takes.
func TestStalledDownloadFails(t *testing.T) {
	name, body := bigClick(t, "com.example.stall")
	const idle = 400 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hold := func(r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/headers/" + name:
			hold(r)
		case "/body/" + name:
			w.Header().Set("Content-Length", "1000000")
			w.Write(body[:1000])
			w.(http.Flusher).Flush()
			hold(r)
		case "/steady/" + name:
			// Five pauses, each well under idle, more than idle together.
			const pieces = 6
			for i := range pieces {
				if i > 0 {
					time.Sleep(idle / 4)
				}
				w.Write(body[i*len(body)/pieces : (i+1)*len(body)/pieces])
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	cases := []struct {
		name    string
		src     Source
		stalled bool
		inBody  bool // the stall comes once the body began, so the follower runs
	}{
		{"stalls before the headers", Source{Kind: FromURL, Value: srv.URL + "/headers/" + name}, true, false},
		{"stalls in the body", Source{Kind: FromURL, Value: srv.URL + "/body/" + name}, true, true},
		{"base_url stalls in the body", Source{Kind: FromName, Value: name}, true, true},
		{"an attachment stalls", Source{Kind: FromAttachment, Value: name, Open: func(ctx context.Context) (io.ReadCloser, int64, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/body/"+name, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, 0, err
			}
			return resp.Body, resp.ContentLength, nil
		}}, true, true},
		{"slow but steady", Source{Kind: FromURL, Value: srv.URL + "/steady/" + name}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &Fetcher{Dir: t.TempDir(), MaxBytes: 1 << 20, IdleTimeout: idle, AllowedHosts: []string{"127.0.0.1"}, BaseURL: srv.URL + "/body/"}
			// Started only once the body begins: a stall before the headers has none.
			var followed chan error
			c.src.Follow = func(g *Growing) {
				followed = make(chan error, 1)
				go func() {
					defer g.Close()
					_, err := io.Copy(io.Discard, g)
					followed <- err
				}()
			}
			// Without the idle timeout only this would end the download.
			ctx, cancel := context.WithTimeout(t.Context(), testenv.Wait)
			defer cancel()
			start := time.Now()
			res, err := f.Fetch(ctx, c.src)
			took := time.Since(start)
			if !c.stalled {
				if err != nil || !res.Info.OK() {
					t.Fatalf("err %v, want the click", err)
				}
				if took < idle {
					t.Fatalf("the steady download took %s, under the idle timeout: it proves nothing", took)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "stalled") || !strings.Contains(err.Error(), "downloads.idle_timeout") {
				t.Fatalf("err %v after %s, want one saying it stalled", err, took)
			}
			if stagebot.ErrorMessage(err) != err.Error() {
				t.Fatalf("chat would not see why: %q", stagebot.ErrorMessage(err))
			}
			if took > 10*idle {
				t.Fatalf("the stall was noticed after %s; idle_timeout is %s", took, idle)
			}
			if (followed != nil) != c.inBody {
				t.Fatalf("follower started: %v, want %v", followed != nil, c.inBody)
			}
			if followed != nil {
				if ferr := <-followed; ferr == nil {
					t.Fatal("the follower saw a clean end of a stalled download")
				}
			}
			if left, _ := os.ReadDir(f.Dir); len(left) != 0 {
				t.Fatalf("the stalled download left files: %v", left)
			}
		})
	}
}

// TestSlowDiskIsNoStall: the idle timeout counts only the time spent waiting on the
// source; a reader that holds on to each piece (a slow disk, a busy inspector) for longer
// than idle does not make the download fail.
func TestSlowDiskIsNoStall(t *testing.T) {
	w := newWatchdog(50*time.Millisecond, func() { t.Error("the watchdog fired while nobody waited on the source") })
	r := watchedReader{r: strings.NewReader("abc"), w: w}
	buf := make([]byte, 1)
	for {
		_, err := r.Read(buf)
		if err == io.EOF {
			break
		}
		time.Sleep(120 * time.Millisecond) // the bot's own side, behind
	}
	if w.stalled() {
		t.Fatal("stalled")
	}
}
