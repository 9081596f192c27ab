package receipt_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"stagebot/receipt"
	"stagebot/receipt/receipttest"
)

var click = []byte("PK\x03\x04 the bytes sil2100 approved")

// sign is a receipt for click signed by key.
func sign(t *testing.T, key ed25519.PrivateKey, in receipt.Input) []byte {
	t.Helper()
	s, err := receipt.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	env, err := s.Sign(in)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// envelope is the DSSE envelope as a test reads and rewrites it.
type envelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

func parse(t *testing.T, env []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatalf("envelope: %v\n%s", err, env)
	}
	return e
}

func (e envelope) payload(t *testing.T) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		t.Fatalf("payload is not standard base64: %v", err)
	}
	return b
}

func (e envelope) bytes(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rewrite is env with its decoded payload passed through change and encoded again; the
// signature stays as it was.
func rewrite(t *testing.T, env []byte, change func([]byte) []byte) []byte {
	t.Helper()
	e := parse(t, env)
	e.Payload = base64.StdEncoding.EncodeToString(change(e.payload(t)))
	return e.bytes(t)
}

func TestVerify(t *testing.T) {
	old, other := receipttest.Key(1), receipttest.Key(2)
	env := sign(t, old, receipttest.Input(t, click, "https://example.org/x.click"))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherClick := append(bytes.Clone(click), '!')

	tests := []struct {
		name     string
		envelope []byte
		click    []byte
		keys     []crypto.PublicKey
		want     error // nil: valid
	}{
		{"valid", env, click, []crypto.PublicKey{old.Public()}, nil},
		{"valid, the key given twice", env, click, []crypto.PublicKey{old.Public(), old.Public()}, nil},
		{"flipped byte in the payload", rewrite(t, env, func(p []byte) []byte {
			p = bytes.Clone(p)
			i := bytes.Index(p, []byte("sil2100"))
			p[i] ^= 0x01
			return p
		}), click, []crypto.PublicKey{old.Public()}, receipt.ErrSignature},
		{"flipped byte in the signature", func() []byte {
			e := parse(t, env)
			sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
			sig[10] ^= 0x80
			e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
			return e.bytes(t)
		}(), click, []crypto.PublicKey{old.Public()}, receipt.ErrSignature},
		{"another click", env, otherClick, []crypto.PublicKey{old.Public()}, receipt.ErrDigest},
		{"no click", env, nil, []crypto.PublicKey{old.Public()}, receipt.ErrDigest},
		{"another key", env, click, []crypto.PublicKey{other.Public()}, receipt.ErrSignature},
		{"another key, keyid taken off", func() []byte {
			e := parse(t, env)
			e.Signatures[0].KeyID = ""
			return e.bytes(t)
		}(), click, []crypto.PublicKey{other.Public()}, receipt.ErrSignature},
		{"keyid taken off, the right key", func() []byte {
			e := parse(t, env)
			e.Signatures[0].KeyID = ""
			return e.bytes(t)
		}(), click, []crypto.PublicKey{other.Public(), old.Public()}, nil},
		{"an ECDSA key", env, click, []crypto.PublicKey{ecKey.Public()}, receipt.ErrKey},
		{"no key", env, click, nil, receipt.ErrKey},
		{"not JSON", []byte("hello"), click, []crypto.PublicKey{old.Public()}, receipt.ErrMalformed},
		{"empty", nil, click, []crypto.PublicKey{old.Public()}, receipt.ErrMalformed},
		{"another payload type", func() []byte {
			e := parse(t, env)
			e.PayloadType = "application/json"
			return e.bytes(t)
		}(), click, []crypto.PublicKey{old.Public()}, receipt.ErrMalformed},
		{"no signature", func() []byte {
			e := parse(t, env)
			e.Signatures = nil
			return e.bytes(t)
		}(), click, []crypto.PublicKey{old.Public()}, receipt.ErrMalformed},
		{"payload not base64", func() []byte {
			e := parse(t, env)
			e.Payload = "@@@"
			return e.bytes(t)
		}(), click, []crypto.PublicKey{old.Public()}, receipt.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := receipt.Verify(tt.envelope, bytes.NewReader(tt.click), tt.keys...)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if res.KeyID != receipt.KeyID(old.Public().(ed25519.PublicKey)) || res.Statement.Subject[0].Name != "com.ubuntu.camera_3.1.2_armhf.click" {
					t.Fatalf("verified as %+v", res)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestVerifyStatementSignedButWrong: a Statement signed by the right key is still refused
// when it is not a receipt, so the key cannot be used to pass off another kind of
// attestation as one.
func TestVerifyStatementSignedButWrong(t *testing.T) {
	key := receipttest.Key(1)
	good := parse(t, sign(t, key, receipttest.Input(t, click, "x"))).payload(t)
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"another predicate type", strings.Replace(string(good), receipt.PredicateType, "https://slsa.dev/provenance/v1", 1), "predicate type"},
		{"statement v0.1", strings.Replace(string(good), receipt.StatementType, "https://in-toto.io/Statement/v0.1", 1), "statement type"},
		{"an unknown top-level field", strings.Replace(string(good), `{"_type"`, `{"extra":1,"_type"`, 1), "not an in-toto Statement"},
		{"a duplicate subject", strings.Replace(string(good), `"predicateType"`, `"subject":[],"predicateType"`, 1), "not an in-toto Statement"},
		{"uppercase digest", upperDigest(good), "lowercase hex"},
		{"not JSON", "{", "not an in-toto Statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := signPayload(t, key, []byte(tt.payload))
			_, err := receipt.Verify(env, bytes.NewReader(click), key.Public())
			if !errors.Is(err, receipt.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrMalformed saying %q", err, tt.want)
			}
		})
	}
}

// upperDigest is payload with its sha256 in uppercase hex.
func upperDigest(payload []byte) string {
	var st receipt.Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		panic(err)
	}
	d := st.Subject[0].Digest.SHA256
	return strings.Replace(string(payload), d, strings.ToUpper(d), 1)
}

// signPayload is an envelope around any payload, signed by hand.
func signPayload(t *testing.T, key ed25519.PrivateKey, payload []byte) []byte {
	t.Helper()
	e := envelope{PayloadType: receipt.PayloadType, Payload: base64.StdEncoding.EncodeToString(payload)}
	e.Signatures = append(e.Signatures, struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	}{receipt.KeyID(key.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(ed25519.Sign(key, pae(receipt.PayloadType, payload)))})
	return e.bytes(t)
}

// pae is DSSE v1's pre-authentication encoding, written from the specification:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
func pae(payloadType string, body []byte) []byte {
	s := "DSSEv1 " + strconv.Itoa(len(payloadType)) + " " + payloadType + " " + strconv.Itoa(len(body)) + " "
	return append([]byte(s), body...)
}

// TestVerifyIndependently checks a receipt without the package: the envelope's shape, the
// key ID as the hex sha256 of the public key's DER, the signature with ed25519.Verify over
// a pre-authentication encoding built by hand, and the Statement's fields.
func TestVerifyIndependently(t *testing.T) {
	key := receipttest.Key(7)
	env := sign(t, key, receipttest.Input(t, click, "https://example.org/x.click"))
	e := parse(t, env)

	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if len(e.Signatures) != 1 || e.Signatures[0].KeyID != hex.EncodeToString(sum[:]) {
		t.Fatalf("keyid %+v, want the hex sha256 of the public key's DER %x", e.Signatures, sum)
	}
	if e.PayloadType != "application/vnd.in-toto+json" {
		t.Fatalf("payloadType %q", e.PayloadType)
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	if err != nil {
		t.Fatalf("sig is not standard base64: %v", err)
	}
	payload := e.payload(t)
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), pae(e.PayloadType, payload), sig) {
		t.Fatal("the signature does not verify over the PAE built by hand")
	}

	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		PredicateType string         `json:"predicateType"`
		Predicate     map[string]any `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	s256 := sha256.Sum256(click)
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != receipt.PredicateType ||
		len(st.Subject) != 1 || st.Subject[0].Name != "com.ubuntu.camera_3.1.2_armhf.click" ||
		st.Subject[0].Digest["sha256"] != hex.EncodeToString(s256[:]) || len(st.Subject[0].Digest["sha512"]) != 128 {
		t.Fatalf("statement:\n%s", payload)
	}
	for _, field := range []string{"request", "requester", "approvals", "qa", "policy", "inspection", "source", "destination", "locked_at", "audit_head"} {
		if _, ok := st.Predicate[field]; !ok {
			t.Errorf("predicate lacks %q:\n%s", field, payload)
		}
	}
	// Times as RFC 3339 in UTC, whatever zone the input was in.
	if got := st.Predicate["locked_at"]; got != "2026-11-25T08:33:00Z" {
		t.Errorf("locked_at %v, want 2026-11-25T08:33:00Z", got)
	}
	if !bytes.HasSuffix(env, []byte("}\n")) || bytes.Count(env, []byte("\n")) != 1 {
		t.Errorf("envelope is not one line of JSON:\n%s", env)
	}
}

// TestVerifyKeyRotation: a receipt signed by the old key verifies as long as the old key is
// among those given, in any order, and not with the new key alone.
func TestVerifyKeyRotation(t *testing.T) {
	old, current := receipttest.Key(1), receipttest.Key(2)
	oldEnv := sign(t, old, receipttest.Input(t, click, "x"))
	newEnv := sign(t, current, receipttest.Input(t, click, "x"))
	tests := []struct {
		name string
		env  []byte
		keys []crypto.PublicKey
		ok   bool
	}{
		{"old receipt, old and new keys", oldEnv, []crypto.PublicKey{old.Public(), current.Public()}, true},
		{"old receipt, new and old keys", oldEnv, []crypto.PublicKey{current.Public(), old.Public()}, true},
		{"old receipt, old key only", oldEnv, []crypto.PublicKey{old.Public()}, true},
		{"old receipt, new key only", oldEnv, []crypto.PublicKey{current.Public()}, false},
		{"new receipt, old and new keys", newEnv, []crypto.PublicKey{old.Public(), current.Public()}, true},
		{"new receipt, old key only", newEnv, []crypto.PublicKey{old.Public()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := receipt.Verify(tt.env, bytes.NewReader(click), tt.keys...)
			if tt.ok != (err == nil) {
				t.Fatalf("error %v, want valid=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, receipt.ErrSignature) {
				t.Fatalf("error %v, want ErrSignature", err)
			}
			if err == nil && res.KeyID != parse(t, tt.env).Signatures[0].KeyID {
				t.Fatalf("verified by %s, not the key that signed", res.KeyID)
			}
		})
	}
}

// TestVerifyComparesBothDigests: a click whose sha256 or sha512 alone differs from the
// subject's is refused, each digest by itself.
func TestVerifyComparesBothDigests(t *testing.T) {
	key := receipttest.Key(1)
	good := string(parse(t, sign(t, key, receipttest.Input(t, click, "x"))).payload(t))
	var st receipt.Statement
	if err := json.Unmarshal([]byte(good), &st); err != nil {
		t.Fatal(err)
	}
	d := st.Subject[0].Digest
	tests := []struct{ name, digest, want string }{
		{"sha256", d.SHA256, "its sha256 is"},
		{"sha512", d.SHA512, "its sha512 is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrong := strings.Repeat("0", len(tt.digest))
			env := signPayload(t, key, []byte(strings.Replace(good, tt.digest, wrong, 1)))
			_, err := receipt.Verify(env, bytes.NewReader(click), key.Public())
			if !errors.Is(err, receipt.ErrDigest) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrDigest saying %q", err, tt.want)
			}
		})
	}
}
