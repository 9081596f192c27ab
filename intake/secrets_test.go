package intake

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Issue 12: downloads.base_url may carry credentials (user:pass@) and a token in its
// query; no message about a failed download may show them.
func TestDownloadErrorsShowNoSecrets(t *testing.T) {
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "slow") {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	secrets := []string{"s3cretuser", "hunter2", "t0ken-value", "sig-value"}
	withSecrets := func(host string) string {
		return "http://s3cretuser:hunter2@" + host + "/clicks/?token=t0ken-value&sig=sig-value"
	}
	cases := []struct {
		name string
		base string
		src  Source
		want string
	}{
		{"timeout", withSecrets(strings.TrimPrefix(srv.URL, "http://")), Source{Kind: FromName, Value: "slow_1_all.click"}, "timed out"},
		{"404", withSecrets(strings.TrimPrefix(srv.URL, "http://")), Source{Kind: FromName, Value: "gone_1_all.click"}, "404"},
		{"refused", withSecrets(closedAddr), Source{Kind: FromName, Value: "x_1_all.click"}, "failed"},
		{"typed URL", "", Source{Kind: FromURL, Value: withSecrets(strings.TrimPrefix(srv.URL, "http://")) + "&x=/gone_1_all.click"}, "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &Fetcher{BaseURL: c.base, Dir: t.TempDir(), MaxBytes: 1 << 20, Client: &http.Client{Timeout: 300 * time.Millisecond},
				AllowedHosts: []string{"127.0.0.1"}}
			_, err := f.Fetch(context.Background(), c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one saying %q", err, c.want)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("the message shows %q: %v", s, err)
				}
			}
		})
	}
}
