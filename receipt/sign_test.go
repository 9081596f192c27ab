package receipt_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/receipt"
	"stagebot/receipt/receipttest"
)

// TestSignSameBytes: the same input gives the same receipt, from the same signer, from a
// signer loaded again from the key file (a restart), and whatever zone the times are in.
func TestSignSameBytes(t *testing.T) {
	dir := t.TempDir()
	key := receipttest.Key(3)
	keyFile, _ := receipttest.WriteKeys(t, dir, "receipts", key)
	in := receipttest.Input(t, click, "https://example.org/x.click")

	first, err := receipt.LoadSigner(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Sign(in)
	if err != nil {
		t.Fatal(err)
	}
	inUTC := in
	inUTC.Predicate.LockedAt = in.Predicate.LockedAt.UTC()
	inUTC.Predicate.Approvals = []receipt.Signoff{in.Predicate.Approvals[0], in.Predicate.Approvals[1]}
	inUTC.Predicate.Approvals[0].At = inUTC.Predicate.Approvals[0].At.In(time.FixedZone("X", -7*3600))

	tests := []struct {
		name string
		sign func() ([]byte, error)
	}{
		{"again", func() ([]byte, error) { return first.Sign(in) }},
		{"after a restart", func() ([]byte, error) {
			s, err := receipt.LoadSigner(keyFile)
			if err != nil {
				return nil, err
			}
			return s.Sign(in)
		}},
		{"times in other zones", func() ([]byte, error) { return first.Sign(inUTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sign()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("different bytes:\n%s\n%s", got, want)
			}
		})
	}
	if in.Predicate.LockedAt.Location().String() != "CET" {
		t.Errorf("Sign changed its input: locked_at now in %v", in.Predicate.LockedAt.Location())
	}
}

// TestSignNoSecrets: neither the private key, in any encoding, nor a credential from the
// source or the target appears in the receipt or its decoded payload.
func TestSignNoSecrets(t *testing.T) {
	key := receipttest.Key(4)
	in := receipttest.Input(t, click, "https://lander:s3cr3tpw@example.org/clicks/x.click?token=t0k3nvalue&v=1")
	env := sign(t, key, in)
	payload := parse(t, env).payload(t)

	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pemBody := strings.Join(strings.Split(strings.TrimSpace(string(pemText)), "\n")[1:], "")
	pemBody = strings.TrimSuffix(pemBody, "-----END PRIVATE KEY-----")
	secrets := map[string][]byte{
		"seed":               key.Seed(),
		"seed in hex":        []byte(hex.EncodeToString(key.Seed())),
		"seed in base64":     []byte(base64.StdEncoding.EncodeToString(key.Seed())),
		"seed in base64 url": []byte(base64.RawURLEncoding.EncodeToString(key.Seed())),
		"PKCS#8 DER":         der,
		"PKCS#8 PEM body":    []byte(pemBody),
		"PEM header":         []byte("PRIVATE KEY"),
		"source password":    []byte("s3cr3tpw"),
		"source user":        []byte("lander:"),
		"source token":       []byte("t0k3nvalue"),
		"target password":    []byte("hunter2"),
	}
	for name, secret := range secrets {
		for where, text := range map[string][]byte{"envelope": env, "payload": payload} {
			if bytes.Contains(text, secret) {
				t.Errorf("the %s holds the %s", where, name)
			}
		}
	}
}

// TestSignSourceWithoutUserinfo: the source and the target lose their userinfo entirely
// (not masked) and secret-looking query values; everything else stays.
func TestSignSourceWithoutUserinfo(t *testing.T) {
	tests := []struct{ source, want string }{
		{"https://user:pass@host/x.click", "https://host/x.click"},
		{"https://user@host:8443/a/x.click", "https://host:8443/a/x.click"},
		{"https://host/x.click", "https://host/x.click"},
		{"https://host/x.click?sig=abc&name=x", "https://host/x.click?sig=REDACTED&name=x"},
		{"https://host/get?a=1&b=2", "https://host/get?a=1&b=2"},
		{"/srv/clicks/x.click", "/srv/clicks/x.click"},
		{"slack attachment F0123ABC", "slack attachment F0123ABC"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			st := statementOf(t, sign(t, receipttest.Key(1), receipttest.Input(t, click, tt.source)))
			if st.Predicate.Source != tt.want {
				t.Fatalf("source %q, want %q", st.Predicate.Source, tt.want)
			}
			if got, want := st.Predicate.Destination.Target, "sftp://snakefruit.example:22/home/lzemczak/locked-clicks"; got != want {
				t.Fatalf("target %q, want %q", got, want)
			}
		})
	}
}

func statementOf(t *testing.T, env []byte) receipt.Statement {
	t.Helper()
	var st receipt.Statement
	if err := json.Unmarshal(parse(t, env).payload(t), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSignRefusesIncompleteInput: a receipt that would vouch for less than the contract
// says is not made.
func TestSignRefusesIncompleteInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(*receipt.Input)
		want   string
	}{
		{"no filename", func(in *receipt.Input) { in.Filename = "" }, "filename"},
		{"a path for a filename", func(in *receipt.Input) { in.Filename = "../x.click" }, "filename"},
		{"uppercase sha256", func(in *receipt.Input) { in.SHA256 = strings.ToUpper(in.SHA256) }, "sha256"},
		{"short sha512", func(in *receipt.Input) { in.SHA512 = in.SHA512[:64] }, "sha512"},
		{"no request", func(in *receipt.Input) { in.Predicate.Request = "" }, "request"},
		{"no approval", func(in *receipt.Input) { in.Predicate.Approvals = nil }, "approval"},
		{"an approval without a time", func(in *receipt.Input) { in.Predicate.Approvals[1].At = time.Time{} }, "approval"},
		{"no policy hash", func(in *receipt.Input) { in.Predicate.Policy.Hash = "" }, "policy hash"},
		{"no lock time", func(in *receipt.Input) { in.Predicate.LockedAt = time.Time{} }, "lock"},
		{"no audit head", func(in *receipt.Input) { in.Predicate.AuditHead = "" }, "audit"},
	}
	s, err := receipt.NewSigner(receipttest.Key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := receipttest.Input(t, click, "x")
			tt.change(&in)
			env, err := s.Sign(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %q; made %s", err, tt.want, env)
			}
		})
	}
}

// TestSignNullsAbsentParts: no QA sign-off and an unsigned click are null, not left out.
func TestSignNullsAbsentParts(t *testing.T) {
	in := receipttest.Input(t, click, "x")
	in.Predicate.QA = nil
	in.Predicate.Inspection.Signer = ""
	payload := parse(t, sign(t, receipttest.Key(1), in)).payload(t)
	for _, want := range []string{`"qa":null`, `"signer":null`} {
		if !bytes.Contains(payload, []byte(want)) {
			t.Errorf("payload lacks %s:\n%s", want, payload)
		}
	}
	var st receipt.Statement
	if err := json.Unmarshal(payload, &st); err != nil || st.Predicate.QA != nil || st.Predicate.Inspection.Signer != "" {
		t.Fatalf("read back as %+v, %v", st.Predicate, err)
	}
}

// TestIdentityOf: a receipt records the network's handle and services account, not the
// nick, which anyone may take.
func TestIdentityOf(t *testing.T) {
	tests := []struct {
		in   stagebot.Identity
		want receipt.Identity
	}{
		{stagebot.Identity{Network: "irc", ID: "sil!~s@canonical/sil", Account: "sil2100", Name: "sil"}, receipt.Identity{Network: "irc", ID: "sil!~s@canonical/sil", Account: "sil2100"}},
		{stagebot.Identity{Network: "slack", ID: "U0SIL", Name: "Łukasz"}, receipt.Identity{Network: "slack", ID: "U0SIL"}},
	}
	for _, tt := range tests {
		if got := receipt.IdentityOf(tt.in); got != tt.want {
			t.Errorf("IdentityOf(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
