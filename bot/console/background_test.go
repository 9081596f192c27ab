package console_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// heldServer serves clicks from dir, each response held until the test releases it; asked
// hears each request as it arrives.
type heldServer struct {
	*httptest.Server
	asked   chan string
	release chan struct{}
	once    sync.Once
}

func newHeldServer(t *testing.T, dir string) *heldServer {
	t.Helper()
	s := &heldServer{asked: make(chan string, 8), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.asked <- r.URL.Path
		select {
		case <-s.release:
		case <-r.Context().Done():
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
	}))
	t.Cleanup(s.Close)
	t.Cleanup(s.Release) // before Close: a held handler would keep Close waiting
	return s
}

func (s *heldServer) Release() { s.once.Do(func() { close(s.release) }) }

// awaitAsked waits for a download to reach the server.
func (s *heldServer) awaitAsked(t *testing.T) {
	t.Helper()
	select {
	case <-s.asked:
	case <-time.After(bottest.Wait):
		t.Fatalf("no download reached the server within %s", bottest.Wait)
	}
}

// heldClick builds a click and a server that holds its download.
func heldClick(t *testing.T, name string) (srv *heldServer, url, file string) {
	t.Helper()
	dir := t.TempDir()
	path := clicktest.Build(t, dir, clicktest.Spec{Name: name, Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"a.txt": "a"}})
	srv = newHeldServer(t, dir)
	file = filepath.Base(path)
	return srv, srv.URL + "/" + file, file
}

// The test servers listen on this machine: typed URLs reach them only through a host
// named in allowed_hosts.
const localDownloads = "downloads: {allowed_hosts: [\"127.0.0.1\"]}\n"

// TestStageHoldsNoLaterLine: while a !stage waits for its download, the console's later
// lines are answered, a read-only one and one that changes things alike, in their order;
// the `requested` comes once the download is done.
func TestStageHoldsNoLaterLine(t *testing.T) {
	srv, url, file := heldClick(t, "com.example.held")
	b := bottest.Start(t, localDownloads)
	b.Say("alice> !stage " + url)
	srv.awaitAsked(t) // the download is under way, and held
	b.Say("bob> !status")
	b.WaitFor(`^bob: `)
	b.Say("carol> !cancel ffff0000")
	b.WaitFor(`^carol: refused: `)
	b.Say("dave> !help status")
	b.WaitFor(`^dave: `)
	if n := b.Count(`requested`); n != 0 {
		t.Fatalf("%d requested lines before the download was done", n)
	}
	srv.Release()
	b.WaitFor(`\[[0-9a-f]{8}\] ` + regexp.QuoteMeta(file) + ` requested: .* by alice`)
}

// TestStageUnderWayAtEOF: input that ends while a !stage downloads does not cut it short:
// the bot exits only after the `requested` is printed.
func TestStageUnderWayAtEOF(t *testing.T) {
	srv, url, file := heldClick(t, "com.example.eof")
	b := bottest.Start(t, localDownloads)
	b.Say("alice> !stage " + url)
	srv.awaitAsked(t)
	stopped := make(chan struct{})
	go func() {
		b.Stop() // EOF, then waits for the bot to exit
		close(stopped)
	}()
	b.Log.Await(1, "chat closed; finishing what it started", "stages=1")
	select {
	case <-stopped:
		t.Fatal("the bot exited with a !stage under way")
	default:
	}
	srv.Release()
	<-stopped
	want := regexp.MustCompile(`\[[0-9a-f]{8}\] ` + regexp.QuoteMeta(file) + ` requested: .* by alice`)
	found := false
	for _, l := range b.Lines() {
		found = found || want.MatchString(l)
	}
	if !found {
		t.Fatalf("no requested line before exit:\n%q", b.Lines())
	}
	if entries, _ := os.ReadDir(filepath.Join(b.StateDir, "downloads")); len(entries) != 0 {
		t.Fatalf("downloads left behind: %v", entries)
	}
}
