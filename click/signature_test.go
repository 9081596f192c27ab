package click

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// debsig-verify's exit codes (debsig-verify(1)).
const (
	dsOK            = 0
	dsNoSignature   = 10
	dsUnknownOrigin = 11
	dsNoPolicy      = 12
	dsBadSignature  = 13
)

func debsigVerify(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "debsig-verify"), path).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		t.Logf("debsig-verify %s: %s", filepath.Base(path), strings.TrimSpace(string(out)))
		return exit.ExitCode()
	}
	t.Fatalf("debsig-verify: %v", err)
	return -1
}

// tamper changes the gzip header's mtime in control.tar.gz: the archive still reads, but
// the signed bytes differ.
func tamper(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("control.tar.gz"))
	if i < 0 {
		t.Fatal("no control.tar.gz member")
	}
	b[i+arHeaderSize+4] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSignaturesAgreeWithDebsigVerify(t *testing.T) {
	trusted, other := clicktest.NewKey(t), clicktest.NewKey(t)
	clicktest.TrustForDebsig(t, trusted)
	keyring, err := LoadKeyring(trusted.PublicKeyring)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec := func(name string) clicktest.Spec {
		return clicktest.Spec{Name: name, Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
			Files: map[string]string{"app": "payload " + name}}
	}
	tests := []struct {
		name     string
		prepare  func(path string)
		debsig   []int  // acceptable debsig-verify exit codes
		wantOK   bool   // with the trusted keyring
		wantKey  string // key ID the problem or signature must name
		wantText string // in the problem message
	}{
		{"good", func(p string) { clicktest.Sign(t, trusted, p) }, []int{dsOK}, true, trusted.ID, ""},
		{"other-key", func(p string) { clicktest.Sign(t, other, p) }, []int{dsUnknownOrigin, dsNoPolicy}, false, other.ID, "unknown key"},
		{"tampered", func(p string) { clicktest.Sign(t, trusted, p); tamper(t, p) }, []int{dsBadSignature}, false, trusted.ID, "bad signature"},
		{"unsigned", func(string) {}, []int{dsNoSignature}, false, "", "unsigned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := clicktest.Build(t, dir, spec("com.example.sig-"+tt.name))
			tt.prepare(path)
			code := debsigVerify(t, path)
			if !containsInt(tt.debsig, code) {
				t.Fatalf("debsig-verify exit %d, expected one of %v: the oracle disagrees with the case", code, tt.debsig)
			}
			info, err := InspectFile(path, Options{Keyring: keyring})
			if err != nil {
				t.Fatal(err)
			}
			if info.OK() != (code == dsOK) || info.OK() != tt.wantOK {
				t.Fatalf("Inspect ok=%v, debsig-verify exit %d; problems %v", info.OK(), code, info.Problems)
			}
			if tt.wantOK {
				if info.Signature == nil || !info.Signature.Valid || info.Signature.KeyID != tt.wantKey {
					t.Fatalf("signature %+v, want valid by %s", info.Signature, tt.wantKey)
				}
				// The fingerprint gpg lists for the key, lowercase: a receipt names the signer by it.
				if want := strings.ToLower(trusted.Fingerprint); info.Signature.Fingerprint != want {
					t.Fatalf("fingerprint %q, want %q (gpg's)", info.Signature.Fingerprint, want)
				}
				return
			}
			if info.Signature != nil && info.Signature.Fingerprint != "" {
				t.Errorf("fingerprint %q for a signature that did not verify", info.Signature.Fingerprint)
			}
			msg := messages(info, CodeSignature)
			if !strings.Contains(msg, tt.wantKey) || !strings.Contains(msg, tt.wantText) {
				t.Errorf("signature problem %q should name %q and say %q", msg, tt.wantKey, tt.wantText)
			}

			// Without a keyring the signature is reported, never required.
			info, err = InspectFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !info.OK() {
				t.Errorf("without a keyring: problems %v", info.Problems)
			}
			if tt.wantKey != "" && (info.Signature == nil || info.Signature.KeyID != tt.wantKey) {
				t.Errorf("without a keyring: signature %+v should name %s", info.Signature, tt.wantKey)
			}
			// A key only named, never checked, has no fingerprint to vouch for.
			if info.Signature != nil && info.Signature.Fingerprint != "" {
				t.Errorf("without a keyring: fingerprint %q from a signature nobody verified", info.Signature.Fingerprint)
			}
		})
	}
}

func TestLoadKeyringBinaryAndArmoured(t *testing.T) {
	key := clicktest.NewKey(t)
	bin, err := os.ReadFile(key.PublicKeyring)
	if err != nil {
		t.Fatal(err)
	}
	var armoured bytes.Buffer
	w, err := armor.Encode(&armoured, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bin)
	w.Close()
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		content []byte
		wantErr bool
	}{
		{"binary", bin, false},
		{"armoured", armoured.Bytes(), false},
		{"empty", nil, true},
		{"garbage", []byte("not a key"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".gpg")
			if err := os.WriteFile(p, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			el, err := LoadKeyring(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadKeyring: %v, want error %v", err, tt.wantErr)
			}
			if err == nil && len(el.KeysById(keyID(t, key.ID))) == 0 {
				t.Errorf("keyring lacks key %s", key.ID)
			}
		})
	}
	if _, err := LoadKeyring(filepath.Join(dir, "missing.gpg")); err == nil {
		t.Error("LoadKeyring of a missing file: no error")
	}
}

func keyID(t *testing.T, hex string) uint64 {
	t.Helper()
	var id uint64
	for _, c := range hex {
		id <<= 4
		switch {
		case c >= '0' && c <= '9':
			id |= uint64(c - '0')
		case c >= 'A' && c <= 'F':
			id |= uint64(c-'A') + 10
		default:
			t.Fatalf("bad key ID %q", hex)
		}
	}
	return id
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func messages(info *Info, code string) string {
	var out []string
	for _, p := range info.Problems {
		if p.Code == code {
			out = append(out, p.Message)
		}
	}
	return strings.Join(out, "; ")
}
