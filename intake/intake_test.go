package intake

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"stagebot"
	"stagebot/internal/clicktest"
)

func TestParseSource(t *testing.T) {
	cases := []struct {
		arg  string
		kind Kind
		bad  bool
	}{
		{"foo_1.0_all.click", FromName, false},
		{"https://host.example/x/foo_1.0_all.click", FromURL, false},
		{"/tmp/foo_1.0_all.click", FromPath, false},
		{"./foo_1.0_all.click", FromPath, false},
		{"foo.tar.gz", 0, true},
		{"", 0, true},
		{"-rf", 0, true},
	}
	for _, c := range cases {
		src, err := ParseSource(c.arg)
		if c.bad != (err != nil) || (!c.bad && src.Kind != c.kind) {
			t.Errorf("ParseSource(%q) = %+v, %v", c.arg, src, err)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	allow := []string{"*.ubuntu.com", "10.0.0.1", "upload.example"}
	cases := map[string]bool{
		"x.ubuntu.com": true, "a.b.ubuntu.com": true, "ubuntu.com": false, "evilubuntu.com": false,
		"10.0.0.1": true, "upload.example": true, "UPLOAD.example.": true, "other.example": false,
	}
	for host, want := range cases {
		if got := HostAllowed(allow, host); got != want {
			t.Errorf("HostAllowed(%q) = %v", host, got)
		}
	}
	if !HostAllowed(nil, "anything") {
		t.Error("empty allowlist refuses")
	}
}

type served struct {
	srv   *httptest.Server
	bytes atomic.Int64
}

// serve serves files from dir, counting the bytes it sent; /redirect goes to target.
func serve(t *testing.T, dir string, target string, lieLength bool) *served {
	t.Helper()
	s := &served{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		f, err := os.Open(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		if lieLength {
			w.Header().Set("Transfer-Encoding", "chunked") // no Content-Length
		}
		n, _ := io.Copy(w, f)
		s.bytes.Add(n)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func TestFetch(t *testing.T) {
	clicks := t.TempDir()
	path := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.dl", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all", Files: map[string]string{"big": strings.Repeat("x", 200000)}})
	name := filepath.Base(path)
	size := fileSize(t, path)
	big := make([]byte, 4<<20)
	os.WriteFile(filepath.Join(clicks, "huge_1.0_all.click"), big, 0o644)
	srv := serve(t, clicks, "", false)
	chunked := serve(t, clicks, "", true)
	elsewhere := serve(t, clicks, "", false)
	redirector := serve(t, clicks, strings.Replace(elsewhere.srv.URL, "127.0.0.1", "localhost", 1)+"/"+name, false)
	// The servers are on this machine: typed URLs reach them only through a host named.
	local := []string{"127.0.0.1"}

	cases := []struct {
		name  string
		f     *Fetcher
		src   Source
		code  string
		label string
	}{
		{"bare name via base_url", &Fetcher{BaseURL: srv.srv.URL + "/queue/"}, Source{Kind: FromName, Value: name}, "", name},
		{"url", &Fetcher{AllowedHosts: local}, Source{Kind: FromURL, Value: srv.srv.URL + "/" + name}, "", name},
		{"url host not allowed", &Fetcher{AllowedHosts: []string{"*.ubuntu.com"}}, Source{Kind: FromURL, Value: srv.srv.URL + "/" + name}, stagebot.EFORBIDDEN, ""},
		{"redirect off the allowlist", &Fetcher{AllowedHosts: []string{"127.0.0.1"}}, Source{Kind: FromURL, Value: redirector.srv.URL + "/redirect"}, stagebot.EFORBIDDEN, ""},
		{"not found", &Fetcher{AllowedHosts: local}, Source{Kind: FromURL, Value: srv.srv.URL + "/missing_1.0_all.click"}, stagebot.EINVALID, ""},
		{"not http", &Fetcher{}, Source{Kind: FromURL, Value: "ftp://host/x.click"}, stagebot.EINVALID, ""},
		{"declared too large", &Fetcher{AllowedHosts: local, MaxBytes: 1 << 20}, Source{Kind: FromURL, Value: srv.srv.URL + "/huge_1.0_all.click"}, stagebot.ETOOLARGE, ""},
		{"undeclared too large stops reading", &Fetcher{AllowedHosts: local, MaxBytes: size - 1}, Source{Kind: FromURL, Value: chunked.srv.URL + "/" + name}, stagebot.ETOOLARGE, ""},
		{"exactly at the cap", &Fetcher{AllowedHosts: local, MaxBytes: size}, Source{Kind: FromURL, Value: chunked.srv.URL + "/" + name}, "", name},
		{"path", &Fetcher{}, Source{Kind: FromPath, Value: path}, "", name},
		{"missing path", &Fetcher{}, Source{Kind: FromPath, Value: filepath.Join(clicks, "nope.click")}, stagebot.EINVALID, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Dir = t.TempDir()
			// A follower (the pre-upload) reads along: it must see exactly the bytes kept,
			// and never a clean end of a download that failed.
			type followed struct {
				b   []byte
				err error
			}
			var follower chan followed
			c.src.Follow = func(g *Growing) {
				follower = make(chan followed, 1)
				go func() {
					defer g.Close()
					b, err := io.ReadAll(g)
					follower <- followed{b, err}
				}()
			}
			res, err := c.f.Fetch(t.Context(), c.src)
			if c.code != "" {
				if stagebot.ErrorCode(err) != c.code {
					t.Fatalf("err %v, want code %s", err, c.code)
				}
				if follower != nil {
					if got := <-follower; got.err == nil {
						t.Errorf("the follower saw a clean end (%d bytes) of a refused download", len(got.b))
					}
				}
				if left, _ := os.ReadDir(c.f.Dir); len(left) != 0 {
					t.Fatalf("refused download left files: %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.Info.OK() || res.Info.Filename != name || res.Label != c.label || res.Info.Size != size {
				t.Fatalf("result %+v, info %+v", res, res.Info)
			}
			if fileSize(t, res.Path) != size {
				t.Fatal("the kept copy differs in size")
			}
			kept, err := os.ReadFile(res.Path)
			if err != nil {
				t.Fatal(err)
			}
			if follower == nil {
				t.Fatal("the follower was never started")
			}
			if got := <-follower; got.err != nil || !bytes.Equal(got.b, kept) {
				t.Fatalf("the follower read %d bytes (err %v), the copy has %d", len(got.b), got.err, len(kept))
			}
		})
	}
}

// bigClick builds a click of 64 KiB, enough to be read in several pieces, and returns its
// filename and bytes.
func bigClick(t *testing.T, pkg string) (string, []byte) {
	t.Helper()
	path := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: pkg, Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"big": strings.Repeat("y", 64<<10)}})
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(path), body
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestEndlessBodyIsCutOff: a server that never stops sending (and declares no length) is
// cut off just past the cap, not read to the end.
func TestEndlessBodyIsCutOff(t *testing.T) {
	const total = 512 << 20
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for sent.Load() < total {
			n, err := w.Write(buf)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	f := Fetcher{MaxBytes: 1 << 20, Dir: t.TempDir(), AllowedHosts: []string{"127.0.0.1"}}
	_, err := f.Fetch(t.Context(), Source{Kind: FromURL, Value: srv.URL + "/endless_1.0_all.click"})
	if stagebot.ErrorCode(err) != stagebot.ETOOLARGE {
		t.Fatalf("err %v, want too large", err)
	}
	srv.CloseClientConnections()
	if n := sent.Load(); n >= total/4 {
		t.Fatalf("the server sent %d bytes before the bot stopped reading", n)
	}
}
