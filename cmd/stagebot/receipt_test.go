package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stagebot/internal/clicktest"
	"stagebot/internal/sshdtest"
	"stagebot/internal/testenv"
	"stagebot/receipt"
)

// runReceipt runs `stagebot receipt ARGS...` without the secrets the bot's config takes
// from the environment, and says how long it took.
func runReceipt(t *testing.T, args ...string) (code int, stdout []byte, stderr string, took time.Duration) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"receipt"}, args...)...)
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "STAGEBOT_WEBHOOK_SECRET" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.Bytes(), errOut.String(), time.Since(start)
}

func opensslCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "openssl"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// receiptBotConfig writes the config of a console bot locking over sftp to the sshd,
// serving HTTP on listen, signing receipts with key, and fetching clicks from 127.0.0.1.
func receiptBotConfig(t *testing.T, dir string, s *sshdtest.Server, listen, key string) string {
	t.Helper()
	cfg := fmt.Sprintf(`state_dir: %s
console: true
team:
  landing: [{name: bob}, {name: carol}]
  landers: [{name: alice}]
snakefruit:
  target: %s
  ssh_key: %s
  known_hosts: %s
  timeout: 5s
  retry: {initial: 200ms, max: 1s, give_up: 10m}
click_sync: {schedule: "0 0 1 1 *"}
downloads: {allowed_hosts: ["127.0.0.1"]}
http:
  listen: %s
  webhook_secret: ${STAGEBOT_WEBHOOK_SECRET}
receipts:
  key: %s
`, filepath.Join(dir, "state"), s.TargetURL(), s.KeyPath, s.KnownHosts, listen, key)
	p := filepath.Join(dir, "stagebot.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReceiptEndToEnd: the whole path a receipt takes, as the README tells it. Keys made
// with openssl; clicks downloaded (from a URL carrying credentials) and locked over a real
// sshd; `stagebot receipt` prints each receipt while the bot runs (through its HTTP
// listener, the database being held) the same as the API serves it, and the same after the
// bot stopped and after a restart; `stagebot verify` accepts it with the public key, and
// refuses with exit 1 a flipped payload byte, another click and another key; a key rotation
// leaves the old receipts verifiable with both keys given; an independent check (the PAE
// by hand, openssl's own ed25519 verification, the key ID from openssl's DER) agrees; no
// credential and nothing of a private key is in any receipt; a request never locked has
// none (exit 1). The README's recipe for checking a receipt with jq and openssl alone
// passes it, and refuses it with a flipped byte.
func TestReceiptEndToEnd(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	priv := map[string]string{}
	pub := map[string]string{}
	for _, name := range []string{"old", "new", "stranger"} {
		priv[name] = filepath.Join(keys, name+".pem")
		pub[name] = filepath.Join(keys, name+".pub.pem")
		opensslCmd(t, "genpkey", "-algorithm", "ed25519", "-out", priv[name])
		opensslCmd(t, "pkey", "-in", priv[name], "-pubout", "-out", pub[name])
	}
	clicks := t.TempDir()
	v10 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.proved", Version: "1.0", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "1"}})
	v11 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.proved", Version: "1.1", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "2"}})
	never := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.waits", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "3"}})
	files := httptest.NewServer(http.FileServer(http.Dir(clicks)))
	t.Cleanup(files.Close)
	const userinfo, token = "lander:s3cretpw", "t0kenvalue"
	fromURL := "http://" + userinfo + "@" + strings.TrimPrefix(files.URL, "http://") + "/" + filepath.Base(v10) + "?token=" + token

	listen := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	t.Setenv("STAGEBOT_WEBHOOK_SECRET", "hook-secret")
	cfg := receiptBotConfig(t, dir, s, listen, priv["old"])
	db := filepath.Join(dir, "state", "stagebot.db")

	// Signed with the old key: v1.0 from the URL, locked over sftp.
	p := startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + fromURL)
	a := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + a)
	p.expect(`^\[` + a + `\] com\.example\.proved_1\.0_armhf\.click locked: .*signed receipt kept`)
	p.say("alice> !stage " + never)
	w := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]

	code, envA, stderr, took := runReceipt(t, "--config", cfg, a)
	if code != 0 {
		t.Fatalf("receipt while the bot runs: exit %d: %s", code, stderr)
	}
	// bbolt gives up on a held file after 5s: the running bot is asked well before.
	if took > 3*time.Second {
		t.Errorf("receipt took %s beside the running bot", took)
	}
	t.Logf("stagebot receipt beside the running bot: %s; the receipt is %d bytes", took.Round(time.Millisecond), len(envA))
	resp, err := http.Get("http://" + listen + "/api/requests/" + a + "/receipt")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(served, envA) {
		t.Errorf("stagebot receipt and the API differ:\n%s\n%s", envA, served)
	}
	if code, out, stderr, _ := runReceipt(t, a, "--config", cfg); code != 0 || !bytes.Equal(out, envA) {
		t.Errorf("receipt ID --config: exit %d, %s", code, stderr)
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"never locked", []string{"--config", cfg, w}, 1, "request " + w + " has no receipt: it has not been locked (it is pending)"},
		{"unknown", []string{"--config", cfg, "ffff0000"}, 1, "no request with ID ffff0000"},
		{"the held file", []string{"--db", db, a}, 2, "held by a running stagebot"},
		{"not an ID", []string{"--config", cfg, "xyz"}, 2, `"xyz" is not a request ID`},
		{"no ID", []string{"--config", cfg}, 2, "usage: stagebot receipt"},
		{"both places", []string{"--config", cfg, "--db", db, a}, 2, "not both"},
	} {
		code, out, stderr, _ := runReceipt(t, tt.args...)
		if code != tt.code || len(out) != 0 || !strings.Contains(stderr, tt.says) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d saying %q", tt.name, code, out, stderr, tt.code, tt.says)
		}
	}
	stop(t, p)

	// Rotated: the new key signs v1.1's receipt; v1.0's stays as it was.
	cfg = receiptBotConfig(t, dir, s, listen, priv["new"])
	p = startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + v11)
	b := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("carol> !approve " + b)
	p.expect(`^\[` + b + `\] com\.example\.proved_1\.1_armhf\.click locked: replaces .*signed receipt kept`)
	if code, again, stderr, _ := runReceipt(t, "--config", cfg, a); code != 0 || !bytes.Equal(again, envA) {
		t.Fatalf("after a restart with a new key: exit %d (%s), the receipt changed:\n%s\n%s", code, stderr, envA, again)
	}
	code, envB, stderr, _ := runReceipt(t, "--config", cfg, b)
	if code != 0 {
		t.Fatalf("receipt of the second lock: exit %d: %s", code, stderr)
	}
	stop(t, p)
	// From the file, the bot stopped: the same bytes.
	for id, want := range map[string][]byte{a: envA, b: envB} {
		if code, got, stderr, _ := runReceipt(t, "--db", db, id); code != 0 || !bytes.Equal(got, want) {
			t.Errorf("receipt %s from the file: exit %d (%s), other bytes:\n%s\n%s", id, code, stderr, got, want)
		}
	}

	work := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	receiptA, receiptB := write("a.receipt.json", envA), write("b.receipt.json", envB)
	flipped := write("flipped.json", flipPayloadByte(t, envA))
	for _, tt := range []struct {
		name    string
		args    []string
		code    int
		stdout  string
		summary bool
	}{
		{"valid", []string{"--key", pub["old"], v10, receiptA}, 0, "valid: com.example.proved_1.0_armhf.click (sha256 ", true},
		{"a flipped payload byte", []string{"--key", pub["old"], v10, flipped}, 1, "not valid: signature not valid", false},
		{"another click", []string{"--key", pub["old"], v11, receiptA}, 1, "not valid: not the click the receipt is for", false},
		{"another key", []string{"--key", pub["stranger"], v10, receiptA}, 1, "not valid: signature not valid", false},
		{"rotation: old receipt, both keys", []string{"--key", pub["new"], "--key", pub["old"], v10, receiptA}, 0, "valid: ", true},
		{"rotation: new receipt, both keys", []string{"--key", pub["old"], "--key", pub["new"], v11, receiptB}, 0, "valid: com.example.proved_1.1_armhf.click", false},
		{"rotation: old receipt, new key only", []string{"--key", pub["new"], v10, receiptA}, 1, "not valid: signature not valid", false},
	} {
		code, stdout, stderr := stagebotVerify(t, nil, tt.args...)
		if code != tt.code || !strings.HasPrefix(stdout, tt.stdout) {
			t.Errorf("verify, %s: exit %d, want %d; stdout %q (want %q); stderr %q", tt.name, code, tt.code, stdout, tt.stdout, stderr)
		}
		if tt.summary && !strings.Contains(stdout, "approved by bob; requested by alice; request "+a) {
			t.Errorf("verify, %s: %q does not say who approved what", tt.name, stdout)
		}
	}

	checkIndependently(t, envA, pub["old"], v10, work)
	readmeRecipe(t, envA, pub["old"], v10, true)
	readmeRecipe(t, mustRead(t, flipped), pub["old"], v10, false)

	// Nothing secret: not the URL's credentials, not the target's user, not a private key.
	statement := payloadOf(t, envA)
	var st struct {
		Predicate struct {
			Source      string `json:"source"`
			Destination struct {
				Target string `json:"target"`
			} `json:"destination"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(statement, &st); err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(strings.Replace(fromURL, userinfo+"@", "", 1), token, "REDACTED", 1); st.Predicate.Source != want {
		t.Errorf("source %q, want %q", st.Predicate.Source, want)
	}
	if want := strings.Replace(s.TargetURL(), s.User+"@", "", 1); st.Predicate.Destination.Target != want {
		t.Errorf("destination %q, want %q", st.Predicate.Destination.Target, want)
	}
	secrets := []string{"s3cretpw", "lander:", token, s.User + "@", "hook-secret"}
	for _, file := range []string{priv["old"], priv["new"], s.KeyPath} {
		secrets = append(secrets, pemBody(t, file)...)
	}
	secrets = append(secrets, seedForms(t, priv["old"])...)
	for _, env := range [][]byte{envA, envB} {
		for _, hay := range [][]byte{env, payloadOf(t, env)} {
			for _, secret := range secrets {
				if bytes.Contains(hay, []byte(secret)) {
					t.Errorf("a receipt holds %q", secret)
				}
			}
		}
	}
}

// stop ends a bot with SIGTERM and waits for it.
func stop(t *testing.T, p *proc) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(waitFor):
		t.Fatal("the bot did not stop on SIGTERM")
	}
	for range p.lines {
	}
}

// envelopeOf decodes a DSSE envelope as the format defines it, with no help from the
// receipt package.
func envelopeOf(t *testing.T, env []byte) (payloadType string, payload []byte, keyID string, sig []byte) {
	t.Helper()
	var e struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(env, &e); err != nil || len(e.Signatures) != 1 {
		t.Fatalf("not a DSSE envelope with one signature (%v):\n%s", err, env)
	}
	var err error
	if payload, err = base64.StdEncoding.Strict().DecodeString(e.Payload); err != nil {
		t.Fatalf("payload: %v", err)
	}
	if sig, err = base64.StdEncoding.Strict().DecodeString(e.Signatures[0].Sig); err != nil {
		t.Fatalf("sig: %v", err)
	}
	return e.PayloadType, payload, e.Signatures[0].KeyID, sig
}

func payloadOf(t *testing.T, env []byte) []byte {
	t.Helper()
	_, payload, _, _ := envelopeOf(t, env)
	return payload
}

// flipPayloadByte is env with one bit of one byte of its payload changed, re-encoded.
func flipPayloadByte(t *testing.T, env []byte) []byte {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	payload := payloadOf(t, env)
	payload[bytes.Index(payload, []byte(`"bob"`))+1] ^= 0x01
	e["payload"] = base64.StdEncoding.EncodeToString(payload)
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkIndependently checks env as someone without stagebot would: the PAE built by hand
// from DSSE's definition, verified by Go's ed25519 and by openssl with the PEM file as
// openssl wrote it; the key ID as the sha256 of the DER openssl writes for that key; the
// subject's sha256 that of the click's bytes.
func checkIndependently(t *testing.T, env []byte, pubPEM, click, work string) {
	t.Helper()
	payloadType, payload, keyID, sig := envelopeOf(t, env)
	pae := fmt.Appendf(nil, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	pae = append(pae, payload...)
	paeFile, sigFile := filepath.Join(work, "pae.bin"), filepath.Join(work, "sig.bin")
	if err := os.WriteFile(paeFile, pae, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := opensslCmd(t, "pkeyutl", "-verify", "-pubin", "-inkey", pubPEM, "-rawin", "-in", paeFile, "-sigfile", sigFile); !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Errorf("openssl pkeyutl -verify: %s", out)
	}
	der := opensslCmd(t, "pkey", "-pubin", "-in", pubPEM, "-outform", "DER")
	sum := sha256.Sum256(der)
	if want := hex.EncodeToString(sum[:]); keyID != want {
		t.Errorf("keyid %s, want %s (sha256 of the key's DER)", keyID, want)
	}
	pub, err := receipt.ParsePublicKey(mustRead(t, pubPEM))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(pub, pae, sig) {
		t.Error("ed25519 refuses the signature over the PAE built by hand")
	}
	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Digest struct {
				SHA256 string `json:"sha256"`
			} `json:"digest"`
		} `json:"subject"`
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	clickSum := sha256.Sum256(mustRead(t, click))
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != receipt.PredicateType ||
		len(st.Subject) != 1 || st.Subject[0].Digest.SHA256 != hex.EncodeToString(clickSum[:]) {
		t.Errorf("statement %s", payload)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pemBody is pieces of a private key file's base64 body, long enough to be the key's and
// nothing else's.
func pemBody(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(mustRead(t, path)), "\n") {
		if len(line) >= 24 && !strings.HasPrefix(line, "-----") {
			out = append(out, line[:24], line[len(line)-24:])
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no PEM body", path)
	}
	return out
}

// seedForms are the ways a receipt could carry an ed25519 key file's secret seed: raw, in
// hex, in base64.
func seedForms(t *testing.T, path string) []string {
	t.Helper()
	key, err := receipt.LoadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	seed := key.Seed()
	return []string{string(seed), hex.EncodeToString(seed), base64.StdEncoding.EncodeToString(seed)[:40]}
}

// readmeRecipe runs the README's shell recipe for checking a receipt without stagebot on
// env, the public key pubPEM and click, in a folder of their own under the names the
// README gives them; ok says whether it must pass.
func readmeRecipe(t *testing.T, env []byte, pubPEM, click string, ok bool) {
	t.Helper()
	bash := testenv.Tool(t, "bash")
	testenv.Tool(t, "jq") // the recipe runs these by name
	testenv.Tool(t, "openssl")
	readme := string(mustRead(t, "../../README.md"))
	_, rest, found := strings.Cut(readme, "With `jq` and `openssl` alone:\n\n")
	if !found {
		t.Fatal("README has no recipe for checking a receipt with jq and openssl")
	}
	var script []string
	for _, line := range strings.Split(rest, "\n") {
		code, isCode := strings.CutPrefix(line, "    ")
		if !isCode {
			break
		}
		script = append(script, code)
	}
	dir := t.TempDir()
	const clickName = "com.ubuntu.camera_3.1.2_armhf.click"
	for name, data := range map[string][]byte{"receipt.json": env, "receipts.pub.pem": mustRead(t, pubPEM), clickName: mustRead(t, click)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, "-euo", "pipefail", "-c", strings.Join(script, "\n"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if !ok {
		if err == nil {
			t.Errorf("the README's recipe passes a changed receipt:\n%s", out)
		}
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(lines) != 3 || lines[0] != "Signature Verified Successfully" || lines[2] != lines[1]+"  -" {
		t.Fatalf("the README's recipe: %v\n%s\n%s", err, strings.Join(script, "\n"), out)
	}
}
