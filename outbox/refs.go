package outbox

import (
	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// refKey is a message's key in the refs bucket: refs are only unique per adapter, and an
// adapter's name has no NUL.
func refKey(adapter, ref string) []byte { return []byte(adapter + "\x00" + ref) }

// threadKey is a request's key in the threads bucket: per channel, since each channel
// has a first message of its own about the request.
func threadKey(d stagebot.Dest, requestID string) []byte {
	return []byte(d.Adapter + "\x00" + d.Channel + "\x00" + requestID)
}

// recordRef records that the message ref, posted to d, is about the request id, and makes
// it the request's thread in d unless an earlier message is.
func recordRef(tx *bolt.Tx, d stagebot.Dest, ref, id string) error {
	if err := tx.Bucket(bucketRefs).Put(refKey(d.Adapter, ref), []byte(id)); err != nil {
		return err
	}
	threads := tx.Bucket(bucketThreads)
	if k := threadKey(d, id); threads.Get(k) == nil {
		return threads.Put(k, []byte(ref))
	}
	return nil
}

// RefRequest is the request a message the adapter posted is about, "" for none (a message
// about no request, or not the bot's).
func (o *Outbox) RefRequest(adapter, ref string) string {
	var id string
	_ = o.db.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketRefs).Get(refKey(adapter, ref)))
		return nil
	})
	return id
}

// Thread is the ref of the first message about requestID that d took, "" for none.
func (o *Outbox) Thread(d stagebot.Dest, requestID string) string {
	var ref string
	_ = o.db.View(func(tx *bolt.Tx) error {
		ref = string(tx.Bucket(bucketThreads).Get(threadKey(d, requestID)))
		return nil
	})
	return ref
}
