package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/receipt"
	"stagebot/receipt/receipttest"
)

// verifyFiles are the files a `stagebot verify` test works with, in one folder.
type verifyFiles struct {
	dir                    string
	click, otherClick      string
	receipt, newReceipt    string // signed by the old key, by the new one
	flipped, malformed     string
	oldPub, newPub, oldKey string
	ecdsaPub, big          string
}

func writeVerifyFiles(t *testing.T) verifyFiles {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	click := []byte("PK\x03\x04 the bytes sil2100 approved")
	old, current := receipttest.Key(1), receipttest.Key(2)
	f := verifyFiles{dir: dir}
	f.oldKey, f.oldPub = receipttest.WriteKeys(t, dir, "old", old)
	_, f.newPub = receipttest.WriteKeys(t, dir, "new", current)
	sign := func(key []byte) []byte {
		t.Helper()
		k, err := receipt.ParsePrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		s, err := receipt.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		env, err := s.Sign(receipttest.Input(t, click, "https://user:pass@example.org/x.click"))
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	oldPEM, _ := os.ReadFile(f.oldKey)
	env := sign(oldPEM)
	der, _ := x509.MarshalPKCS8PrivateKey(current)
	newEnv := sign(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	f.click = write("com.ubuntu.camera_3.1.2_armhf.click", click)
	// Another click under the same name elsewhere: the name is not what is compared.
	if err := os.Mkdir(filepath.Join(dir, "other"), 0o700); err != nil {
		t.Fatal(err)
	}
	f.otherClick = write("other/com.ubuntu.camera_3.1.2_armhf.click", append(bytes.Clone(click), '!'))
	f.receipt = write("receipt.json", env)
	f.newReceipt = write("new-receipt.json", newEnv)

	var e map[string]any
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(e["payload"].(string))
	payload[bytes.Index(payload, []byte("sil2100"))] ^= 0x01
	e["payload"] = base64.StdEncoding.EncodeToString(payload)
	flipped, _ := json.Marshal(e)
	f.flipped = write("flipped.json", flipped)
	f.malformed = write("malformed.json", []byte(`{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": []}`))

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(ec.Public())
	f.ecdsaPub = write("ecdsa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	f.big = write("big.click", bytes.Repeat([]byte("x"), 2<<20))
	return f
}

func stagebotVerify(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"verify"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// TestVerifyCommand: `stagebot verify` answers 0 for a receipt that verifies with one of the
// keys given and matches the click's bytes, 1 for any receipt, click or key that does not
// (a malformed receipt and a key that is not ed25519 included), and 2 only for wrong
// arguments; flags may stand anywhere.
func TestVerifyCommand(t *testing.T) {
	f := writeVerifyFiles(t)
	clickBytes, _ := os.ReadFile(f.click)
	tests := []struct {
		name  string
		args  []string
		stdin []byte
		code  int
		out   string // in stdout
		err   string // in stderr
	}{
		{"valid", []string{"--key", f.oldPub, f.click, f.receipt}, nil, 0,
			"valid: com.ubuntu.camera_3.1.2_armhf.click (sha256 ", ""},
		{"valid names the approvers", []string{"--key", f.oldPub, f.click, f.receipt}, nil, 0,
			"approved by sil2100, ogra, QA sign-off by qa-lead", ""},
		{"flags after the arguments", []string{f.click, f.receipt, "--key", f.oldPub}, nil, 0, "valid: ", ""},
		{"flags between the arguments", []string{f.click, "-key=" + f.oldPub, f.receipt}, nil, 0, "valid: ", ""},
		{"the click on stdin", []string{"--key", f.oldPub, "-", f.receipt}, clickBytes, 0, "valid: ", ""},
		{"rotation: old receipt, old and new keys", []string{"--key", f.oldPub, "--key", f.newPub, f.click, f.receipt}, nil, 0, "valid: ", ""},
		{"rotation: old receipt, new and old keys", []string{"--key", f.newPub, "--key", f.oldPub, f.click, f.receipt}, nil, 0, "valid: ", ""},
		{"rotation: new receipt, old and new keys", []string{"--key", f.oldPub, "--key", f.newPub, f.click, f.newReceipt}, nil, 0, "valid: ", ""},
		{"rotation: old receipt, new key only", []string{"--key", f.newPub, f.click, f.receipt}, nil, 1,
			"not valid: signature not valid: signed by key ", ""},
		{"a flipped byte in the payload", []string{"--key", f.oldPub, f.click, f.flipped}, nil, 1,
			"not valid: signature not valid: it does not verify with key ", ""},
		{"another click of the same name", []string{"--key", f.oldPub, f.otherClick, f.receipt}, nil, 1,
			"not valid: not the click the receipt is for: its sha256 is ", ""},
		{"another click on stdin", []string{"--key", f.oldPub, "-", f.receipt}, []byte("other"), 1, "not valid: not the click", ""},
		{"a malformed receipt", []string{"--key", f.oldPub, f.click, f.malformed}, nil, 1, "not valid: malformed receipt: no signature", ""},
		{"the click for the receipt", []string{"--key", f.oldPub, f.receipt, f.click}, nil, 1, "not valid: malformed receipt", ""},
		{"a big click for the receipt", []string{"--key", f.oldPub, f.click, f.big}, nil, 1, "the other way round", ""},
		{"an ECDSA key", []string{"--key", f.ecdsaPub, f.click, f.receipt}, nil, 1, "", "an ECDSA public key, not ed25519"},
		{"the private key", []string{"--key", f.oldKey, f.click, f.receipt}, nil, 1, "", "this is a private key"},
		{"a missing key file", []string{"--key", filepath.Join(f.dir, "nope.pub"), f.click, f.receipt}, nil, 1, "", "no such file"},
		{"a missing click", []string{"--key", f.oldPub, filepath.Join(f.dir, "nope.click"), f.receipt}, nil, 1, "", "no such file"},
		{"a missing receipt", []string{"--key", f.oldPub, f.click, filepath.Join(f.dir, "nope.json")}, nil, 1, "not valid: ", ""},
		{"no arguments", nil, nil, 2, "", "usage: stagebot verify "},
		{"no key", []string{f.click, f.receipt}, nil, 2, "", "usage: stagebot verify "},
		{"no receipt", []string{"--key", f.oldPub, f.click}, nil, 2, "", "usage: stagebot verify "},
		{"three arguments", []string{"--key", f.oldPub, f.click, f.receipt, f.receipt}, nil, 2, "", "usage: stagebot verify "},
		{"an unknown flag", []string{"--keys", f.oldPub, f.click, f.receipt}, nil, 2, "", "flag provided but not defined: -keys"},
		{"a key flag without its file", []string{f.click, f.receipt, "--key"}, nil, 2, "", "flag needs an argument: -key"},
		{"--help", []string{"--help"}, nil, 0, "usage: stagebot verify --key PUB.pem", ""},
		{"-h among arguments", []string{f.click, "-h"}, nil, 0, "usage: stagebot verify --key PUB.pem", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := stagebotVerify(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.out) || !strings.Contains(stderr, tt.err) {
				t.Fatalf("exit %d, want %d; stdout %q (want %q); stderr %q (want %q)", code, tt.code, stdout, tt.out, stderr, tt.err)
			}
			if tt.code != 2 && strings.Count(stdout+stderr, "\n") != 1 && !strings.HasPrefix(tt.name, "-") {
				t.Fatalf("not one line:\nstdout %q\nstderr %q", stdout, stderr)
			}
		})
	}
}

// TestVerifyCommandAfterDoubleDash: after "--" an argument that looks like a flag is a
// file, and "--" given as a flag's value is that value.
func TestVerifyCommandAfterDoubleDash(t *testing.T) {
	f := writeVerifyFiles(t)
	dashed := filepath.Join(f.dir, "-x.click")
	data, _ := os.ReadFile(f.click)
	if err := os.WriteFile(dashed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(f.dir)
	if code, stdout, stderr := stagebotVerify(t, nil, "--key", f.oldPub, "--", "-x.click", f.receipt); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// A key file named "--" is that key, not the end of the flags.
	pub, _ := os.ReadFile(f.oldPub)
	if err := os.WriteFile(filepath.Join(f.dir, "--"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := stagebotVerify(t, nil, f.click, "--key", "--", f.receipt); code != 0 {
		t.Fatalf("key named --: exit %d\n%s%s", code, stdout, stderr)
	}
}
