package storage

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

const receiptID = "abcd1234-0000-4000-8000-000000000001"

func putReceipt(db *DB, id string, b []byte) error {
	return db.Update(func(tx *Tx) error { return tx.PutReceipt(id, b) })
}

func readReceipt(t *testing.T, db *DB, id string) ([]byte, error) {
	t.Helper()
	var got []byte
	err := db.View(func(tx *Tx) error {
		var err error
		got, err = tx.Receipt(id)
		return err
	})
	return got, err
}

// TestReceiptWrittenOnce: a request's receipt is kept exactly as put, and nothing replaces
// it: not other bytes, not the same bytes, not in the same transaction, not after a reopen.
func TestReceiptWrittenOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stagebot.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, req(receiptID, "a", "all", stagebot.StateLocked, 1))
	first := []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}` + "\n")
	given := bytes.Clone(first)
	if err := putReceipt(db, receiptID, given); err != nil {
		t.Fatal(err)
	}
	given[0] = 'X' // the caller's slice is the caller's

	tries := []struct {
		name string
		put  func() error
	}{
		{"other bytes", func() error { return putReceipt(db, receiptID, []byte("forged\n")) }},
		{"the same bytes", func() error { return putReceipt(db, receiptID, first) }},
		{"twice in one transaction", func() error {
			return db.Update(func(tx *Tx) error {
				if err := tx.PutReceipt(receiptID, []byte("a")); err != nil {
					return err
				}
				return tx.PutReceipt(receiptID, []byte("b"))
			})
		}},
	}
	for _, tt := range tries {
		t.Run(tt.name, func(t *testing.T) {
			if code := stagebot.ErrorCode(tt.put()); code != stagebot.ECONFLICT {
				t.Fatalf("a second receipt: code %q, want %q", code, stagebot.ECONFLICT)
			}
			if got, err := readReceipt(t, db, receiptID); err != nil || !bytes.Equal(got, first) {
				t.Fatalf("receipt now %q (%v), want %q", got, err, first)
			}
		})
	}

	db.Close()
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := readReceipt(t, db, receiptID); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("after a reopen: %q (%v), want %q", got, err, first)
	}
	if code := stagebot.ErrorCode(putReceipt(db, receiptID, []byte("later\n"))); code != stagebot.ECONFLICT {
		t.Fatalf("a second receipt after a reopen: code %q", code)
	}
}

func TestReceiptRefusedOrAbsent(t *testing.T) {
	db := openTest(t)
	other := "ef012345-0000-4000-8000-000000000003"
	put(t, db, req(receiptID, "a", "all", stagebot.StateLocked, 1), req(other, "b", "all", stagebot.StatePending, 2))
	if code := stagebot.ErrorCode(putReceipt(db, "0000ffff-0000-4000-8000-000000000009", []byte("x"))); code != stagebot.ENOTFOUND {
		t.Fatalf("a receipt for no request: code %q", code)
	}
	if code := stagebot.ErrorCode(putReceipt(db, receiptID, nil)); code != stagebot.EINVALID {
		t.Fatalf("an empty receipt: code %q", code)
	}
	if _, err := readReceipt(t, db, other); stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
		t.Fatalf("a request without a receipt: %v", err)
	}
	_ = db.View(func(tx *Tx) error {
		if tx.HasReceipt(receiptID) || tx.HasReceipt(other) {
			t.Error("HasReceipt before any was put")
		}
		return nil
	})
}

// TestReceiptReadOnlyOldFile: a file from before receipts, opened read-only (as the
// commands beside a running bot open it), has no receipts bucket: reading one is "none",
// not a crash.
func TestReceiptReadOnlyOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stagebot.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, req(receiptID, "a", "all", stagebot.StateLocked, 1))
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketReceipts) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := readReceipt(t, ro, receiptID); stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
		t.Fatalf("old file: %v", err)
	}
	_ = ro.View(func(tx *Tx) error {
		if tx.HasReceipt(receiptID) {
			t.Error("old file: HasReceipt")
		}
		return nil
	})
}

// TestAuditHeadInsideTransaction: the head is the entry just appended, in the same
// transaction, and the one the next entry chains to.
func TestAuditHeadInsideTransaction(t *testing.T) {
	db := openTest(t)
	err := db.Update(func(tx *Tx) error {
		if _, ok, err := tx.AuditHead(); err != nil || ok {
			t.Fatalf("empty log: head found=%v, %v", ok, err)
		}
		for i, action := range []string{"pending", "approved", "locked"} {
			if err := tx.Audit(Entry{At: time.Unix(int64(i), 0).UTC(), Actor: "w", Action: action, RequestID: receiptID}); err != nil {
				return err
			}
			head, ok, err := tx.AuditHead()
			if err != nil || !ok || head.Action != action || head.Seq != uint64(i+1) {
				t.Fatalf("after %s: head %+v found=%v, %v", action, head, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		log, err := tx.AuditLog("")
		head, _, herr := tx.AuditHead()
		if err != nil || herr != nil || len(log) != 3 || head.Hash != log[2].Hash || head.Hash == "" {
			t.Fatalf("head %+v, log %+v (%v, %v)", head, log, err, herr)
		}
		return nil
	})
}

// TestFindReceipt: by ID or unique prefix, a receipt comes back as put; an unknown or
// ambiguous ID is refused as FindRequest refuses it, not as a missing receipt; a request
// without one is a NoReceiptError (code ENOTFOUND) saying whether it was ever locked.
func TestFindReceipt(t *testing.T) {
	db := openTest(t)
	lockedWithout := req("abcd5678-0000-4000-8000-000000000002", "b", "all", stagebot.StatePublished, 2)
	lockedWithout.History = []stagebot.Transition{{To: stagebot.StatePending}, {To: stagebot.StateApproved}, {To: stagebot.StateLocked}, {To: stagebot.StatePublished}}
	rejected := req("ef012345-0000-4000-8000-000000000003", "c", "all", stagebot.StateRejected, 3)
	rejected.History = []stagebot.Transition{{To: stagebot.StatePending}, {To: stagebot.StateRejected}}
	put(t, db, req(receiptID, "a", "all", stagebot.StateLocked, 1), lockedWithout, rejected,
		req("0123abcd-0000-4000-8000-000000000004", "d", "all", stagebot.StateApproved, 4))
	env := []byte("{}\n")
	if err := putReceipt(db, receiptID, env); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		prefix string
		code   string
		why    NoReceiptWhy // "" = not a NoReceiptError
		words  string       // in the message
	}{
		{"abcd1234", "", "", ""},
		{receiptID, "", "", ""},
		{"abcd", stagebot.EINVALID, "", "ambiguous"},
		{"ffff", stagebot.ENOTFOUND, "", "no request with ID ffff"},
		{"abcd5678", stagebot.ENOTFOUND, NoReceiptLockedWithout, "abcd5678 has no receipt: it was locked while receipts were off"},
		{"ef01", stagebot.ENOTFOUND, NoReceiptNotLocked, "ef012345 has no receipt: it was never locked (it is rejected)"},
		{"0123", stagebot.ENOTFOUND, NoReceiptNotLocked, "0123abcd has no receipt: it has not been locked (it is approved)"},
	}
	for _, c := range cases {
		t.Run(c.prefix, func(t *testing.T) {
			var got []byte
			err := db.View(func(tx *Tx) error {
				var err error
				got, err = tx.FindReceipt(c.prefix)
				return err
			})
			if c.code == "" {
				if err != nil || !bytes.Equal(got, env) {
					t.Fatalf("%q, %v; want %q", got, err, env)
				}
				return
			}
			var none *NoReceiptError
			isNone := errors.As(err, &none)
			if stagebot.ErrorCode(err) != c.code || isNone != (c.why != "") || isNone && none.Why != c.why ||
				!strings.Contains(stagebot.ErrorMessage(err), c.words) || got != nil {
				t.Fatalf("%q, %v (code %q, NoReceiptError %+v); want code %q, why %q, saying %q",
					got, err, stagebot.ErrorCode(err), none, c.code, c.why, c.words)
			}
		})
	}
}
