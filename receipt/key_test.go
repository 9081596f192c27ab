package receipt_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/testenv"
	"stagebot/receipt"
	"stagebot/receipt/receipttest"
)

func openssl(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "openssl"), args...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// TestOpenSSLKey: a key made by `openssl genpkey -algorithm ed25519` signs, its
// `openssl pkey -pubout` verifies, openssl agrees on the key ID (the sha256 of the DER it
// writes) and openssl itself verifies the signature over the pre-authentication encoding.
func TestOpenSSLKey(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "receipts.key"), filepath.Join(dir, "receipts.pub")
	openssl(t, "genpkey", "-algorithm", "ed25519", "-out", priv)
	openssl(t, "pkey", "-in", priv, "-pubout", "-out", pub)

	signer, err := receipt.LoadSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	env, err := signer.Sign(receipttest.Input(t, click, "https://example.org/x.click"))
	if err != nil {
		t.Fatal(err)
	}
	pubKey, err := receipt.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receipt.Verify(env, bytes.NewReader(click), pubKey); err != nil {
		t.Fatalf("the openssl key's own receipt: %v", err)
	}

	der := sha256.Sum256(openssl(t, "pkey", "-pubin", "-in", pub, "-outform", "DER"))
	e := parse(t, env)
	if e.Signatures[0].KeyID != hex.EncodeToString(der[:]) {
		t.Fatalf("keyid %s, openssl's DER hashes to %x", e.Signatures[0].KeyID, der)
	}

	sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	paeFile, sigFile := filepath.Join(dir, "pae"), filepath.Join(dir, "sig")
	os.WriteFile(paeFile, pae(e.PayloadType, e.payload(t)), 0o600)
	os.WriteFile(sigFile, sig, 0o600)
	if out := openssl(t, "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", paeFile, "-sigfile", sigFile); !bytes.Contains(out, []byte("Verified Successfully")) {
		t.Fatalf("openssl pkeyutl -verify: %s", out)
	}
}

// TestKeyFilesRefused: every key that is not an ed25519 key of the right half is refused
// with ErrKey and a message that says what it is instead.
func TestKeyFilesRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	spki := func(k any) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	edPriv, edPub := receipttest.WriteKeys(t, dir, "ed", receipttest.Key(1))
	x25519 := filepath.Join(dir, "x25519.key")
	openssl(t, "genpkey", "-algorithm", "x25519", "-out", x25519)
	encrypted := filepath.Join(dir, "encrypted.key")
	openssl(t, "genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:x", "-out", encrypted)
	two := write("two.pem", append(pkcs8(receipttest.Key(1)), pkcs8(receipttest.Key(2))...))

	tests := []struct {
		name   string
		public bool // loaded as a verification key, else as the signing key
		path   string
		want   string
	}{
		{"not PEM", false, write("junk", []byte("hello")), "not a PEM file"},
		{"an ECDSA private key", false, write("ec.key", pkcs8(ec)), "ECDSA"},
		{"an RSA private key", false, write("rsa.key", pkcs8(rsaKey)), "RSA"},
		{"an X25519 key from openssl", false, x25519, "not ed25519"},
		{"an encrypted key", false, encrypted, "encrypted"},
		{"an OpenSSH key", false, write("id", pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("x")})), "OpenSSH"},
		{"the public key to sign", false, edPub, "public key"},
		{"two keys in one file", false, two, "more than one"},
		{"not PEM, to verify", true, write("junk.pub", []byte("-----BEGIN")), "not a PEM file"},
		{"an ECDSA public key", true, write("ec.pub", spki(ec.Public())), "ECDSA"},
		{"an RSA public key", true, write("rsa.pub", spki(rsaKey.Public())), "RSA"},
		{"the private key to verify", true, edPriv, "private key"},
		{"a certificate", true, write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")})), `"CERTIFICATE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.public {
				_, err = receipt.LoadPublicKey(tt.path)
			} else {
				_, err = receipt.LoadSigner(tt.path)
			}
			if !errors.Is(err, receipt.ErrKey) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("error %v, want ErrKey naming the file and saying %q", err, tt.want)
			}
		})
	}
	if _, err := receipt.LoadSigner(edPriv); err != nil {
		t.Fatalf("the good key beside them: %v", err)
	}
	if _, err := receipt.LoadPublicKey(edPub); err != nil {
		t.Fatalf("the good public key beside them: %v", err)
	}
}
