package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Entry is one line of the audit log. Hash covers every other field, Prev included, so
// changing, dropping or reordering an entry breaks the chain from there on.
type Entry struct {
	Seq       uint64    `json:"seq"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"` // a state word, "approve", "qa", "tick", ...
	RequestID string    `json:"request_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
}

func (e Entry) digest() (string, error) {
	e.Hash = ""
	data, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Audit appends an entry, chained to the previous one.
func (t *Tx) Audit(e Entry) error {
	b := t.b(bucketAudit)
	last, _, err := t.AuditHead()
	if err != nil {
		return err
	}
	prev := last.Hash
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq, e.Prev = seq, prev
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	if e.Hash, err = e.digest(); err != nil {
		return err
	}
	return putJSON(b, itob(seq), e)
}

// AuditHead is the newest entry of the audit log, the head of its hash chain; false when
// the log is empty. Inside a write transaction it includes the entries appended so far.
func (t *Tx) AuditHead() (Entry, bool, error) {
	k, v := t.b(bucketAudit).Cursor().Last()
	if k == nil {
		return Entry{}, false, nil
	}
	var e Entry
	if err := json.Unmarshal(v, &e); err != nil {
		return Entry{}, false, fmt.Errorf("decode audit %d: %w", btoi(k), err)
	}
	return e, true, nil
}

// AuditLog returns the entries for a request ("" = all), in order.
func (t *Tx) AuditLog(requestID string) ([]Entry, error) {
	var out []Entry
	err := t.b(bucketAudit).ForEach(func(k, v []byte) error {
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode audit %d: %w", btoi(k), err)
		}
		if requestID == "" || e.RequestID == requestID {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// VerifyAudit recomputes the chain. It returns the number of entries checked and an error
// naming the first entry that does not fit.
func (t *Tx) VerifyAudit() (int, error) {
	prev := ""
	var want uint64 = 1
	n := 0
	err := t.b(bucketAudit).ForEach(func(k, v []byte) error {
		seq := btoi(k)
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("audit entry %d is unreadable: %v", seq, err)
		}
		if seq != want || e.Seq != seq {
			return fmt.Errorf("audit entry %d is out of sequence (expected %d)", seq, want)
		}
		if e.Prev != prev {
			return fmt.Errorf("audit entry %d does not follow entry %d: the chain is broken", seq, seq-1)
		}
		h, err := e.digest()
		if err != nil {
			return err
		}
		if h != e.Hash {
			return fmt.Errorf("audit entry %d was altered: its hash does not match its content", seq)
		}
		prev, want, n = e.Hash, want+1, n+1
		return nil
	})
	return n, err
}
