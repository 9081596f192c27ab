package tlsfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/keyfiletest"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestClient: every file the client cannot use is reported, each by which it is and in
// words naming it; usable files end up in the configuration.
func TestClient(t *testing.T) {
	dir := t.TempDir()
	ca, _ := keyfiletest.CertPair(t, dir, "ca")
	cert, key := keyfiletest.CertPair(t, dir, "client")
	_, otherKey := keyfiletest.CertPair(t, dir, "other")
	garbage := filepath.Join(dir, "garbage")
	write(t, garbage, "not a certificate\n")
	missing := filepath.Join(dir, "missing")
	cases := []struct {
		name           string
		ca, cert, key  string
		withCert       bool
		want           []string // Which: Problem fragment
		roots, hasCert bool
	}{
		{name: "system roots alone"},
		{name: "extra CA", ca: ca, roots: true},
		{name: "client certificate", cert: cert, key: key, withCert: true, hasCert: true},
		{name: "certificate not asked for", cert: garbage, key: garbage},
		{name: "CA not PEM", ca: garbage, want: []string{"ca: " + garbage + " holds no PEM certificate"}},
		{name: "CA missing", ca: missing, want: []string{"ca: cannot read " + missing + ": no such file or directory"}},
		{name: "key of another certificate", cert: cert, key: otherKey, withCert: true, want: []string{"cert: " + cert + " and " + otherKey + " are not a certificate and its private key"}},
		{name: "key missing", cert: cert, key: missing, withCert: true, want: []string{"cert: cannot read " + missing + ": no such file or directory"}},
		{name: "both wrong", ca: garbage, cert: missing, key: key, withCert: true, want: []string{"ca: " + garbage, "cert: cannot read " + missing}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, errs := Client("irc.example.net", c.ca, c.cert, c.key, c.withCert)
			if len(errs) != len(c.want) {
				t.Fatalf("errors %v, want %d", errs, len(c.want))
			}
			for i, w := range c.want {
				if got := errs[i].Which + ": " + errs[i].Error(); !strings.HasPrefix(got, w) {
					t.Errorf("error %q, want it to start %q", got, w)
				}
			}
			if len(c.want) > 0 {
				return
			}
			if tc.ServerName != "irc.example.net" || tc.MinVersion != 0x0303 {
				t.Errorf("server name %q, min version %x", tc.ServerName, tc.MinVersion)
			}
			if (tc.RootCAs != nil) != c.roots || (len(tc.Certificates) == 1) != c.hasCert {
				t.Errorf("roots %v, certificates %d; want roots %v, a certificate %v", tc.RootCAs != nil, len(tc.Certificates), c.roots, c.hasCert)
			}
		})
	}
}
