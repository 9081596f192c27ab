package intake

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"stagebot"
	"stagebot/internal/clicktest"
)

// fakeDNS answers from a table and counts the lookups; a name not in it does not exist.
type fakeDNS map[string][]netip.Addr

func (d fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := d[strings.ToLower(host)]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// hits counts a test server's requests by path.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) add(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[p]++
}

func (h *hits) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.n {
		n += c
	}
	return n
}

// TestTypedURLsDoNotReachInternalAddresses: a URL typed in chat whose host is, or resolves
// to, a loopback, private, link-local, unique-local, CGNAT or unspecified address is
// refused before any connection is made (the test server sees nothing), whatever the
// allowlist's wildcards say and at every redirect, unless the allowlist names the host
// itself. The operator's base_url is not judged.
func TestTypedURLsDoNotReachInternalAddresses(t *testing.T) {
	clicks := t.TempDir()
	path := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.guard", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"a": "1"}})
	name := filepath.Base(path)
	served := &hits{n: map[string]int{}}
	var redirectTo string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.add(r.URL.Path)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, redirectTo, http.StatusFound)
			return
		}
		http.ServeFile(w, r, filepath.Join(clicks, filepath.Base(r.URL.Path)))
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port := u.Port()
	at := func(host, p string) string { return "http://" + net.JoinHostPort(host, port) + p }
	redirectTo = at("mirror.ubuntu.com", "/"+name)

	loopback := netip.MustParseAddr("127.0.0.1")
	dns := fakeDNS{
		"evil.ubuntu.com":      {loopback},
		"mirror.ubuntu.com":    {loopback},
		"metadata.ubuntu.com":  {netip.MustParseAddr("169.254.169.254")},
		"mapped.ubuntu.com":    {netip.MustParseAddr("::ffff:127.0.0.1")},
		"v6.ubuntu.com":        {netip.MustParseAddr("::1")},
		"upload.internal":      {loopback},
		"upload.ubuntu.com":    {loopback},
		"cgnat.example":        {netip.MustParseAddr("100.64.3.4")},
		"second.ubuntu.com":    {loopback, netip.MustParseAddr("192.0.2.1")},
		"upload.internal.":     {loopback},
		"private.ubuntu.com":   {netip.MustParseAddr("10.1.2.3")},
		"uniquelocal.example":  {netip.MustParseAddr("fd12:3456::1")},
		"unspecified.example":  {netip.MustParseAddr("0.0.0.0")},
		"linklocal6.example":   {netip.MustParseAddr("fe80::1")},
		"nat64loop.ubuntu.com": {netip.MustParseAddr("64:ff9b::7f00:1")},
	}
	wild := []string{"*.ubuntu.com", "*.example"}
	cases := []struct {
		name    string
		allowed []string
		src     Source
		refused bool
		reached []string // the paths the server must have seen
	}{
		{"a *. wildcard name resolving to loopback", wild, Source{Kind: FromURL, Value: at("evil.ubuntu.com", "/"+name)}, true, nil},
		{"no allowlist: loopback IP", nil, Source{Kind: FromURL, Value: at("127.0.0.1", "/"+name)}, true, nil},
		{"no allowlist: loopback name", nil, Source{Kind: FromURL, Value: at("evil.ubuntu.com", "/"+name)}, true, nil},
		{"no allowlist: cloud metadata", nil, Source{Kind: FromURL, Value: "http://169.254.169.254/latest/meta-data/"}, true, nil},
		{"a name resolving to metadata", wild, Source{Kind: FromURL, Value: at("metadata.ubuntu.com", "/"+name)}, true, nil},
		{"IPv4-mapped IPv6 loopback", wild, Source{Kind: FromURL, Value: at("mapped.ubuntu.com", "/"+name)}, true, nil},
		{"IPv6 loopback", wild, Source{Kind: FromURL, Value: at("v6.ubuntu.com", "/"+name)}, true, nil},
		{"IPv6 loopback literal", nil, Source{Kind: FromURL, Value: at("::1", "/"+name)}, true, nil},
		{"IPv4-mapped literal", nil, Source{Kind: FromURL, Value: at("::ffff:127.0.0.1", "/"+name)}, true, nil},
		{"NAT64 of loopback", wild, Source{Kind: FromURL, Value: at("nat64loop.ubuntu.com", "/"+name)}, true, nil},
		{"CGNAT", wild, Source{Kind: FromURL, Value: at("cgnat.example", "/"+name)}, true, nil},
		{"private", wild, Source{Kind: FromURL, Value: at("private.ubuntu.com", "/"+name)}, true, nil},
		{"unique-local", wild, Source{Kind: FromURL, Value: at("uniquelocal.example", "/"+name)}, true, nil},
		{"unspecified", wild, Source{Kind: FromURL, Value: at("unspecified.example", "/"+name)}, true, nil},
		{"unspecified literal", nil, Source{Kind: FromURL, Value: at("0.0.0.0", "/"+name)}, true, nil},
		{"IPv6 link-local", wild, Source{Kind: FromURL, Value: at("linklocal6.example", "/"+name)}, true, nil},
		{"an internal answer refuses the name, other answers or not", wild, Source{Kind: FromURL, Value: at("second.ubuntu.com", "/"+name)}, true, nil},
		{"a wildcard beside an exact name admits no other", append([]string{"upload.internal"}, wild...), Source{Kind: FromURL, Value: at("upload.ubuntu.com", "/"+name)}, true, nil},
		{"a redirect to an internal address", []string{"upload.internal", "*.ubuntu.com"}, Source{Kind: FromURL, Value: at("upload.internal", "/redirect")}, true, []string{"/redirect"}},
		{"a name listed exactly", []string{"upload.internal"}, Source{Kind: FromURL, Value: at("upload.internal", "/"+name)}, false, []string{"/" + name}},
		{"a name listed exactly, any case and a final dot", []string{"Upload.Internal"}, Source{Kind: FromURL, Value: at("upload.internal.", "/"+name)}, false, []string{"/" + name}},
		{"an IP listed exactly", []string{"127.0.0.1"}, Source{Kind: FromURL, Value: at("127.0.0.1", "/"+name)}, false, []string{"/" + name}},
		{"a redirect between names listed exactly", []string{"upload.internal", "mirror.ubuntu.com"}, Source{Kind: FromURL, Value: at("upload.internal", "/redirect")}, false, []string{"/redirect", "/" + name}},
		{"base_url is the operator's", nil, Source{Kind: FromName, Value: name}, false, []string{"/clicks/" + name}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			served.mu.Lock()
			served.n = map[string]int{}
			served.mu.Unlock()
			f := &Fetcher{Dir: t.TempDir(), MaxBytes: 1 << 20, AllowedHosts: c.allowed, Resolver: dns, BaseURL: srv.URL + "/clicks/"}
			res, err := f.Fetch(t.Context(), c.src)
			if c.refused {
				if err == nil {
					t.Fatalf("fetched %s", res.Info.Filename)
				}
				if stagebot.ErrorCode(err) != stagebot.EFORBIDDEN || !strings.Contains(err.Error(), "internal address") {
					t.Fatalf("err %v, want a refusal that says the address is internal", err)
				}
			} else if err != nil || !res.Info.OK() {
				t.Fatalf("err %v, want the click", err)
			}
			for _, p := range c.reached {
				served.mu.Lock()
				n := served.n[p]
				served.mu.Unlock()
				if n != 1 {
					t.Errorf("%s requested %d times, want once", p, n)
				}
			}
			if got := served.total(); got != len(c.reached) {
				t.Fatalf("the server saw %d requests, want %d (%v)", got, len(c.reached), c.reached)
			}
		})
	}
}

func TestInternal(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1": true, "127.9.9.9": true, "10.0.0.1": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "100.64.0.1": true, "100.127.255.254": true, "0.0.0.0": true, "0.1.2.3": true,
		"255.255.255.255": true, "224.0.0.1": true, "::1": true, "::": true, "fe80::1": true, "fd00::1": true,
		"fc00::1": true, "fec0::1": true, "ff02::1": true, "::ffff:10.0.0.1": true, "::ffff:127.0.0.1": true,
		"64:ff9b::a9fe:a9fe": true, "::7f00:1": true,
		"8.8.8.8": false, "100.63.255.255": false, "100.128.0.0": false, "2001:4860:4860::8888": false,
		"::ffff:8.8.8.8": false, "64:ff9b::808:808": false, "91.189.91.39": false,
	}
	for s, want := range cases {
		if got := Internal(netip.MustParseAddr(s)); got != want {
			t.Errorf("Internal(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestTypedURLsNeedAGuardedTransport: a client whose transport the guard cannot be fitted
// to fetches the operator's URLs, but refuses typed ones rather than fetch them unchecked.
func TestTypedURLsNeedAGuardedTransport(t *testing.T) {
	calls := 0
	f := &Fetcher{Dir: t.TempDir(), BaseURL: "http://upload.example/", Client: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls++
		return nil, fmt.Errorf("offline")
	})}}
	_, err := f.Fetch(t.Context(), Source{Kind: FromURL, Value: "http://10.0.0.1/x_1_all.click"})
	if stagebot.ErrorCode(err) != stagebot.EFORBIDDEN || calls != 0 {
		t.Fatalf("typed URL: err %v, %d calls to the transport", err, calls)
	}
	if _, err := f.Fetch(t.Context(), Source{Kind: FromName, Value: "x_1_all.click"}); err == nil || calls != 1 {
		t.Fatalf("base_url: err %v, %d calls to the transport", err, calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
