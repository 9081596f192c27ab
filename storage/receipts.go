package storage

import (
	"bytes"

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
