package storage

import (
	"bytes"
	"fmt"
	"slices"

	"stagebot"
)

// A request's receipt is written once, in the transaction that records its lock, and never
// changed or removed: there is no call here that could. It lives in its own bucket rather
// than in the request's record so that the bytes handed out are the bytes signed, never a
// re-encoding of them.

// PutReceipt stores the signed receipt of request id. A request has at most one receipt,
// ever: a second one is refused (ECONFLICT), even with the same bytes, so that a receipt
// once handed out can never be replaced.
func (t *Tx) PutReceipt(id string, receipt []byte) error {
	if len(receipt) == 0 {
		return stagebot.Errorf(stagebot.EINVALID, "an empty receipt for request %s", stagebot.ShortID(id))
	}
	if t.b(bucketRequests).Get([]byte(id)) == nil {
		return stagebot.Errorf(stagebot.ENOTFOUND, "no request %s to keep a receipt for", stagebot.ShortID(id))
	}
	b := t.b(bucketReceipts)
	if b.Get([]byte(id)) != nil {
		return stagebot.Errorf(stagebot.ECONFLICT, "request %s already has a receipt, which is never replaced", stagebot.ShortID(id))
	}
	// bbolt keeps the slice until the transaction ends: a copy, so the caller may reuse it.
	return b.Put([]byte(id), bytes.Clone(receipt))
}

// Receipt is the stored receipt of request id (full ID), exactly as it was put; ENOTFOUND
// when the request has none. The slice is the caller's.
func (t *Tx) Receipt(id string) ([]byte, error) {
	var v []byte
	// A file written before receipts existed, opened read-only, lacks the bucket.
	if b := t.b(bucketReceipts); b != nil {
		v = b.Get([]byte(id))
	}
	if v == nil {
		return nil, stagebot.Errorf(stagebot.ENOTFOUND, "request %s has no receipt", stagebot.ShortID(id))
	}
	return bytes.Clone(v), nil
}

// HasReceipt reports whether request id (full ID) has a receipt.
func (t *Tx) HasReceipt(id string) bool {
	b := t.b(bucketReceipts)
	return b != nil && b.Get([]byte(id)) != nil
}

// FindReceipt is the stored receipt of the request with that ID or unique prefix: an
// unknown or ambiguous ID is refused as FindRequest refuses it, and a request without a
// receipt is a *NoReceiptError saying why.
func (t *Tx) FindReceipt(prefix string) ([]byte, error) {
	r, err := t.FindRequest(prefix)
	if err != nil {
		return nil, err
	}
	if t.HasReceipt(r.ID) {
		return t.Receipt(r.ID)
	}
	why := NoReceiptNotLocked
	if slices.ContainsFunc(r.History, func(h stagebot.Transition) bool { return h.To == stagebot.StateLocked }) {
		why = NoReceiptLockedWithout
	}
	return nil, &NoReceiptError{ID: r.ID, State: r.State, Why: why}
}

// NoReceiptError says that a request exists and has no receipt, and why. Its code is
// stagebot.ENOTFOUND, as an unknown ID's is; errors.As tells the two apart.
type NoReceiptError struct {
	ID    string         // the request's full UUID
	State stagebot.State // the state it is in
	Why   NoReceiptWhy
}

// NoReceiptWhy is why a request has no receipt.
type NoReceiptWhy string

const (
	// NoReceiptNotLocked: the request has never been locked, and only a lock makes one.
	NoReceiptNotLocked NoReceiptWhy = "not locked"
	// NoReceiptLockedWithout: it was locked while receipts.key was unset.
	NoReceiptLockedWithout NoReceiptWhy = "locked without receipts"
	// NoReceiptOff: it has not been locked, and receipts.key is unset, so its lock will
	// make none either (only the running service knows this one).
	NoReceiptOff NoReceiptWhy = "receipts off"
)

func (e *NoReceiptError) Error() string {
	id := stagebot.ShortID(e.ID)
	switch e.Why {
	case NoReceiptLockedWithout:
		return fmt.Sprintf("request %s has no receipt: it was locked while receipts were off (no receipts.key)", id)
	case NoReceiptOff:
		return fmt.Sprintf("request %s has no receipt: receipts are off (no receipts.key)", id)
	}
	if e.State.Final() {
		return fmt.Sprintf("request %s has no receipt: it was never locked (it is %s)", id, e.State)
	}
	return fmt.Sprintf("request %s has no receipt: it has not been locked (it is %s)", id, e.State)
}

// Unwrap gives the error its code, ENOTFOUND, and its words to stagebot.ErrorCode and
// stagebot.ErrorMessage.
func (e *NoReceiptError) Unwrap() error {
	return &stagebot.Error{Code: stagebot.ENOTFOUND, Message: e.Error()}
}
