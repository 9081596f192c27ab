package workflow

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/click"
	"stagebot/intake"
	"stagebot/internal/clicktest"
	"stagebot/receipt"
	"stagebot/receipt/receipttest"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// receiptKey is the receipts.key of these tests.
var receiptKey = receipttest.Key(24)

func receiptSigner(t *testing.T) *receipt.Signer {
	t.Helper()
	s, err := receipt.NewSigner(receiptKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// namedTarget is a target that describes itself as an sftp:// target with credentials in
// its URL would if it printed them: what a receipt's destination must never carry.
type namedTarget struct {
	snakefruit.Target
	name string
}

func (n namedTarget) String() string { return n.name }

// dsseByHand checks an envelope without the receipt package or any DSSE library: the
// signature over the pre-authentication encoding, computed here from the spec, and the key
// ID as the hex sha256 of the public key's DER. It returns the payload.
func dsseByHand(t *testing.T, env []byte, pub ed25519.PublicKey) []byte {
	t.Helper()
	var e struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, env)
	}
	if e.PayloadType != "application/vnd.in-toto+json" || len(e.Signatures) != 1 {
		t.Fatalf("envelope %s", env)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(e.Payload)
	if err != nil {
		t.Fatalf("payload not standard base64: %v", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(e.Signatures[0].Sig)
	if err != nil {
		t.Fatalf("sig not standard base64: %v", err)
	}
	pae := fmt.Appendf(nil, "DSSEv1 %d %s %d ", len(e.PayloadType), e.PayloadType, len(payload))
	pae = append(pae, payload...)
	if !ed25519.Verify(pub, pae, sig) {
		t.Fatal("the signature does not verify over the PAE computed by hand")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if want := hex.EncodeToString(sum[:]); e.Signatures[0].KeyID != want {
		t.Fatalf("keyid %s, want %s (sha256 of the public key's DER)", e.Signatures[0].KeyID, want)
	}
	return payload
}

// statement is the payload as any reader of the format sees it.
type statement struct {
	Type    string `json:"_type"`
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string `json:"predicateType"`
	Predicate     struct {
		Request   string `json:"request"`
		Requester struct {
			By       string            `json:"by"`
			Identity map[string]string `json:"identity"`
		} `json:"requester"`
		Approvals []struct {
			By       string            `json:"by"`
			Identity map[string]string `json:"identity"`
			At       time.Time         `json:"at"`
		} `json:"approvals"`
		QA *struct {
			By string    `json:"by"`
			At time.Time `json:"at"`
		} `json:"qa"`
		Policy struct {
			Approvals int    `json:"approvals"`
			QASignoff bool   `json:"qa_signoff"`
			Hash      string `json:"hash"`
		} `json:"policy"`
		Inspection struct {
			Name, Version, Architecture, Framework string
			Signer                                 *string `json:"signer"`
		} `json:"inspection"`
		Source      string `json:"source"`
		Destination struct {
			Target, Filename string
		} `json:"destination"`
		LockedAt  time.Time `json:"locked_at"`
		AuditHead string    `json:"audit_head"`
	} `json:"predicate"`
}

// noReceipt checks that request id has no receipt, for the reason why.
func noReceipt(t *testing.T, e *env, id string, why storage.NoReceiptWhy) {
	t.Helper()
	b, err := e.svc.Receipt(stagebot.ShortID(id))
	var none *storage.NoReceiptError
	if !errors.As(err, &none) || none.Why != why || none.ID != id || stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
		t.Fatalf("receipt %q, %v (%+v); want none, as %q", b, err, none, why)
	}
}

func (e *env) receipt(id string) []byte {
	e.t.Helper()
	b, err := e.svc.Receipt(id)
	if err != nil {
		e.t.Fatalf("receipt of %s: %v", stagebot.ShortID(id), err)
	}
	return b
}

// lockAudit is the hash of the audit entry that records id's lock.
func (e *env) lockAudit(id string) string {
	e.t.Helper()
	var hash string
	err := e.db.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(id)
		for _, a := range log {
			if a.Action == string(stagebot.StateLocked) {
				hash = a.Hash
			}
		}
		return err
	})
	if err != nil || hash == "" {
		e.t.Fatalf("no audit entry of the lock of %s (%v)", stagebot.ShortID(id), err)
	}
	return hash
}

// reopen stops the worker and closes the database as a shutdown would, then opens the file
// again under a new Service with the same configuration.
func (e *env) reopen() {
	e.t.Helper()
	e.stopWorker()
	path := e.db.Path()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	db, err := storage.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	cfg := e.svc.cfg
	cfg.DB = db
	e.db, e.svc = db, New(cfg)
}

// TestReceiptOfALock: a locked request's receipt verifies with the receipt package and by
// hand; it names the click's own digests, every approval and the QA sign-off, the policy,
// the signer's fingerprint, the source and target without credentials and the audit entry
// of the lock; the locked announcement says it exists; it holds no credential and nothing
// of the private key; the publish command's {receipt} is a file of exactly its bytes; and
// it is the same bytes after the request moved on and after a restart.
func TestReceiptOfALock(t *testing.T) {
	gpgKey := clicktest.NewKey(t)
	keyring, err := click.LoadKeyring(gpgKey.PublicKeyring)
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "publish")
	seen := filepath.Join(t.TempDir(), "seen")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" > "+seen+".path\ncat \"$1\" > "+seen+"\n"), 0o755)
	const secretTarget = "sftp://stagebot:hunter2@snakefruit.example:22/home/lzemczak/locked-clicks"
	policy := stagebot.Policy{Approvals: 2, QASignoff: true}
	e := newEnv(t, policy, func(c *Config) {
		c.Signer = receiptSigner(t)
		c.Intake.Click.Keyring = keyring
		c.Intake.AllowedHosts = []string{"127.0.0.1"}
		c.Target = namedTarget{Target: c.Target, name: secretTarget}
		c.Publish = Publish{Command: []string{script, "{receipt}"}, Timeout: 10 * time.Second}
	})
	path := e.click("com.example.receipt", "1.0", "all")
	clicktest.Sign(t, gpgKey, path)
	clickBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(e.clicks)))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	source := "http://lander:s3cretpw@" + u.Host + "/" + filepath.Base(path) + "?token=t0kenvalue"
	r, err := e.svc.Stage(t.Context(), alice, intake.Source{Kind: intake.FromURL, Value: source})
	if err != nil {
		t.Fatal(err)
	}
	noReceipt(t, e, r.ID, storage.NoReceiptNotLocked)
	for _, do := range []func() (*stagebot.Outcome, error){
		func() (*stagebot.Outcome, error) { return e.svc.Approve(bob, r.ShortID()) },
		func() (*stagebot.Outcome, error) { return e.svc.QA(quinn, r.ShortID()) },
		func() (*stagebot.Outcome, error) { return e.svc.Approve(carol, r.ShortID()) },
	} {
		if _, err := do(); err != nil {
			t.Fatal(err)
		}
	}
	locked := e.awaitState(r.ID, stagebot.StateLocked)
	env := e.receipt(r.ShortID())

	res, err := receipt.Verify(env, bytes.NewReader(clickBytes), receiptKey.Public())
	if err != nil {
		t.Fatalf("the receipt package refuses the receipt: %v", err)
	}
	if res.KeyID != receipt.KeyID(receiptKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("verified by key %s", res.KeyID)
	}
	var st statement
	if err := json.Unmarshal(dsseByHand(t, env, receiptKey.Public().(ed25519.PublicKey)), &st); err != nil {
		t.Fatal(err)
	}

	s256, s512 := sha256.Sum256(clickBytes), sha512.Sum512(clickBytes)
	p := st.Predicate
	wantPolicy, err := receipt.PolicyOf(policy, testTeam)
	if err != nil {
		t.Fatal(err)
	}
	var lockedAt time.Time
	for _, h := range locked.History {
		if h.To == stagebot.StateLocked {
			lockedAt = h.At
		}
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"statement type", st.Type == "https://in-toto.io/Statement/v1" && st.PredicateType == receipt.PredicateType},
		{"subject name", len(st.Subject) == 1 && st.Subject[0].Name == "com.example.receipt_1.0_all.click"},
		{"subject sha256 is the click's", len(st.Subject) == 1 && st.Subject[0].Digest["sha256"] == hex.EncodeToString(s256[:])},
		{"subject sha512 is the click's", len(st.Subject) == 1 && st.Subject[0].Digest["sha512"] == hex.EncodeToString(s512[:])},
		{"request", p.Request == r.ID},
		{"requester", p.Requester.By == "alice" && p.Requester.Identity["network"] == "console" && p.Requester.Identity["id"] == "alice"},
		{"approvals in order", len(p.Approvals) == 2 && p.Approvals[0].By == "bob" && p.Approvals[1].By == "carol" &&
			p.Approvals[0].Identity["id"] == "bob" && p.Approvals[0].At.Equal(locked.Approvals[0].At)},
		{"qa", p.QA != nil && p.QA.By == "quinn" && p.QA.At.Equal(locked.QASignoff.At)},
		{"policy", p.Policy.Approvals == 2 && p.Policy.QASignoff && p.Policy.Hash == wantPolicy.Hash},
		{"inspection", p.Inspection.Name == "com.example.receipt" && p.Inspection.Version == "1.0" &&
			p.Inspection.Architecture == "all" && p.Inspection.Framework == fw},
		{"signer is the key's fingerprint", p.Inspection.Signer != nil && *p.Inspection.Signer == strings.ToLower(gpgKey.Fingerprint)},
		{"source without userinfo", p.Source == "http://"+u.Host+"/"+filepath.Base(path)+"?token=REDACTED"},
		{"destination without credentials", p.Destination.Target == "sftp://snakefruit.example:22/home/lzemczak/locked-clicks" &&
			p.Destination.Filename == r.Filename},
		{"locked_at", !lockedAt.IsZero() && p.LockedAt.Equal(lockedAt) && p.LockedAt.Location() == time.UTC},
		{"audit_head is the lock's entry", p.AuditHead == e.lockAudit(r.ID)},
		{"the request keeps the sha512 named", locked.SHA512 == hex.EncodeToString(s512[:])},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: wrong in %s", c.what, st.PredicateType)
		}
	}
	if t.Failed() {
		t.Fatalf("payload: %+v", st)
	}

	told := false
	for _, a := range e.announcements() {
		if a.RequestID == r.ID && a.State == stagebot.StateLocked {
			told = a.Receipt && strings.Contains(a.Text, "signed receipt kept")
		}
	}
	if !told {
		t.Error("the locked announcement does not say a receipt exists")
	}

	// Nothing secret, in the envelope or in its payload.
	der, err := x509.MarshalPKCS8PrivateKey(receiptKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pemBody := strings.Join(strings.Split(strings.TrimSpace(string(pemKey)), "\n")[1:2], "")
	seed := receiptKey.Seed()
	payload, _ := base64.StdEncoding.DecodeString(strings.Split(strings.Split(string(env), `"payload":"`)[1], `"`)[0])
	for _, hay := range [][]byte{env, payload} {
		for _, secret := range [][]byte{
			[]byte("s3cretpw"), []byte("lander:"), []byte("hunter2"), []byte("stagebot@"), []byte("t0kenvalue"),
			seed, receiptKey, []byte(hex.EncodeToString(seed)), []byte(base64.StdEncoding.EncodeToString(seed)),
			[]byte(base64.StdEncoding.EncodeToString(seed)[:20]), []byte(pemBody[:20]), der[len(der)-ed25519.SeedSize:],
		} {
			if bytes.Contains(hay, secret) {
				t.Errorf("the receipt holds %q", secret)
			}
		}
	}

	// Stored, promoted, published: the publish command reads the receipt from {receipt}.
	e.toPhasingEnd()
	e.awaitState(r.ID, stagebot.StatePublished)
	got, err := os.ReadFile(seen)
	if err != nil || !bytes.Equal(got, env) {
		t.Fatalf("{receipt} held %q (%v), want the receipt's bytes", got, err)
	}
	given, _ := os.ReadFile(seen + ".path")
	if p := strings.TrimSpace(string(given)); !filepath.IsAbs(p) || !strings.HasPrefix(p, e.svc.cfg.StateDir) {
		t.Errorf("{receipt} = %q, want a file in the state dir", p)
	} else if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the receipt file %s outlived the command: %v", p, err)
	}
	if again := e.receipt(r.ID); !bytes.Equal(again, env) {
		t.Fatalf("published, the receipt changed:\n%s\n%s", env, again)
	}
	e.reopen()
	if again := e.receipt(r.ShortID()); !bytes.Equal(again, env) {
		t.Fatalf("after a restart, the receipt changed:\n%s\n%s", env, again)
	}
}

// TestNoReceiptWithoutLock: a request that never became locked has no receipt, whichever
// way it ended, and no announcement says it has one.
func TestNoReceiptWithoutLock(t *testing.T) {
	cases := []struct {
		name string
		end  func(e *env, r *stagebot.Request)
	}{
		{"rejected", func(e *env, r *stagebot.Request) {
			if _, err := e.svc.Reject(bob, r.ShortID(), "no"); err != nil {
				e.t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateRejected)
		}},
		{"cancelled while pending", func(e *env, r *stagebot.Request) {
			if _, err := e.svc.Cancel(alice, r.ShortID(), ""); err != nil {
				e.t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateCancelled)
		}},
		{"cancelled approved, held before its lock", func(e *env, r *stagebot.Request) {
			if _, err := e.svc.Hold(bob, r.ShortID(), "wait"); err != nil {
				e.t.Fatal(err)
			}
			if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
				e.t.Fatal(err)
			}
			if _, err := e.svc.Cancel(alice, r.ShortID(), ""); err != nil {
				e.t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateCancelled)
		}},
		{"its lock failed", func(e *env, r *stagebot.Request) {
			e.target.fail.Store(2)
			if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
				e.t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateFailed)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(cfg *Config) { cfg.Signer = receiptSigner(t) })
			r := e.stage(alice, e.click("com.example.none", "1.0", "all"))
			c.end(e, r)
			noReceipt(t, e, r.ID, storage.NoReceiptNotLocked)
			for _, a := range e.announcements() {
				if a.Receipt || strings.Contains(a.Text, "receipt") {
					t.Fatalf("announced %q", a.Text)
				}
			}
		})
	}
}

// TestReceiptOfAnUnsignedClick: without a verified signature the receipt's signer is
// null, not a blank or a key ID; without receipts.key no request gets a receipt at all.
func TestReceiptOfAnUnsignedClick(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) { c.Signer = receiptSigner(t) })
	path := e.click("com.example.unsigned", "1.0", "all")
	clickBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := e.stage(alice, path)
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	res, err := receipt.Verify(e.receipt(r.ID), bytes.NewReader(clickBytes), receiptKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	if res.Statement.Predicate.Inspection.Signer != "" || res.Statement.Predicate.QA != nil {
		t.Fatalf("signer %q, qa %+v; want both null", res.Statement.Predicate.Inspection.Signer, res.Statement.Predicate.QA)
	}
	payload := dsseByHand(t, e.receipt(r.ID), receiptKey.Public().(ed25519.PublicKey))
	if !bytes.Contains(payload, []byte(`"signer":null`)) || !bytes.Contains(payload, []byte(`"qa":null`)) {
		t.Fatalf("payload %s: want signer and qa null", payload)
	}

	off := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r = off.stage(alice, off.click("com.example.unsigned", "1.0", "all"))
	noReceipt(t, off, r.ID, storage.NoReceiptOff)
	off.svc.Approve(bob, r.ShortID())
	off.awaitState(r.ID, stagebot.StateLocked)
	noReceipt(t, off, r.ID, storage.NoReceiptLockedWithout)
	for _, a := range off.announcements() {
		if a.Receipt {
			t.Fatalf("without receipts.key, announced a receipt: %q", a.Text)
		}
	}
}

// TestPublishReceiptPlaceholderEmptyWithoutReceipt: {receipt} is an empty argument, still
// in its place, when the request has no receipt.
func TestPublishReceiptPlaceholderEmptyWithoutReceipt(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "publish")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|' \"$@\" > "+filepath.Join(dir, "args")+"\n"), 0o755)
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		c.Publish = Publish{Command: []string{script, "{name}", "{receipt}", "{version}"}, Timeout: 10 * time.Second}
	})
	r := e.stage(alice, e.click("com.example.noreceipt", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	e.toPhasingEnd()
	e.awaitState(r.ID, stagebot.StatePublished)
	if got, _ := os.ReadFile(filepath.Join(dir, "args")); string(got) != "com.example.noreceipt||1.0|" {
		t.Fatalf("publish command got %q", got)
	}
}

// TestReceiptNeverReplaced: a request locked again (a record put back to approved, as no
// command can) keeps the receipt of its first lock, byte for byte, and the second lock is
// not recorded.
func TestReceiptNeverReplaced(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) { c.Signer = receiptSigner(t) })
	r := e.stage(alice, e.click("com.example.twice", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	first := e.receipt(r.ID)
	err := e.svc.update(func(tx *storage.Tx) error {
		cur, err := tx.Request(r.ID)
		if err != nil {
			return err
		}
		if err := e.svc.move(tx, cur, stagebot.StateApproved, stagebot.Event{Actor: "test", Why: stagebot.WhyRetried}); err != nil {
			return err
		}
		return e.svc.enqueue(tx, stagebot.JobLock, cur, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := e.await(r.ID, "the second lock refused", func(r *stagebot.Request) bool { return r.LastError != "" })
	if got.State != stagebot.StateApproved || !strings.Contains(got.LastError, "already has a receipt") {
		t.Fatalf("the second lock: %s, %q", got.State, got.LastError)
	}
	if again := e.receipt(r.ID); !bytes.Equal(again, first) {
		t.Fatalf("the receipt was replaced:\n%s\n%s", first, again)
	}
}

// TestRequestRecordWithoutFingerprint: a request recorded before signer fingerprints were
// kept decodes with none, and its lock's receipt says null.
func TestRequestRecordWithoutFingerprint(t *testing.T) {
	old := []byte(`{"id":"1a2b3c4d-0000-4000-8000-000000000001","name":"com.example.old","version":"1.0","arch":"all",` +
		`"filename":"com.example.old_1.0_all.click","sha256":"ab","sha512":"","signer":"0123456789ABCDEF","source":"x",` +
		`"local_path":"/x","requester":{"network":"console","id":"alice","name":"alice"},"requester_key":"member:alice",` +
		`"state":"approved","gen":2,"history":[],"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z"}`)
	var r stagebot.Request
	if err := json.Unmarshal(old, &r); err != nil {
		t.Fatal(err)
	}
	if r.SignerFingerprint != "" || r.Signer != "0123456789ABCDEF" {
		t.Fatalf("old record: fingerprint %q, signer %q", r.SignerFingerprint, r.Signer)
	}
	s := &Service{cfg: Config{Team: testTeam, Policy: stagebot.Policy{Approvals: 1}}}
	in, err := s.receiptInput(&r, "head")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(in.Predicate.Inspection)
	if err != nil || !bytes.Contains(b, []byte(`"signer":null`)) {
		t.Fatalf("inspection %s (%v): want signer null", b, err)
	}
}

// TestReceiptDigestAtLock: a lock that finds no sha512 recorded (the digest made while the
// request waited never ran: a restart came first) reads it from the bot's copy for the
// receipt, and records it; a copy that is no longer the bytes approved fails the lock
// rather than have a receipt name digests of two different clicks.
func TestReceiptDigestAtLock(t *testing.T) {
	for _, changed := range []bool{false, true} {
		t.Run(fmt.Sprintf("copy changed %v", changed), func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) { c.Signer = receiptSigner(t) })
			path := e.click("com.example.digest", "1.0", "all")
			clickBytes, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := e.stage(alice, path)
			e.await(r.ID, "the digest made while it waits", func(r *stagebot.Request) bool { return r.SHA512 != "" })
			err = e.svc.update(func(tx *storage.Tx) error {
				cur, err := tx.Request(r.ID)
				if err != nil {
					return err
				}
				cur.SHA512 = ""
				return tx.PutRequest(cur)
			})
			if err != nil {
				t.Fatal(err)
			}
			if changed {
				if err := os.WriteFile(r.LocalPath, append(bytes.Clone(clickBytes), 0), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			e.svc.Approve(bob, r.ShortID())
			if changed {
				got := e.awaitState(r.ID, stagebot.StateFailed)
				if !strings.Contains(got.LastError, "changed since it was approved") {
					t.Fatalf("failed for %q", got.LastError)
				}
				if _, err := e.svc.Receipt(r.ID); !errors.As(err, new(*storage.NoReceiptError)) {
					t.Fatalf("a receipt for a lock that failed: %v", err)
				}
				return
			}
			got := e.awaitState(r.ID, stagebot.StateLocked)
			res, err := receipt.Verify(e.receipt(r.ID), bytes.NewReader(clickBytes), receiptKey.Public())
			if err != nil {
				t.Fatal(err)
			}
			s512 := sha512.Sum512(clickBytes)
			if want := hex.EncodeToString(s512[:]); got.SHA512 != want || res.Statement.Subject[0].Digest.SHA512 != want {
				t.Fatalf("sha512 recorded %q, in the receipt %q; want %s", got.SHA512, res.Statement.Subject[0].Digest.SHA512, want)
			}
		})
	}
}
