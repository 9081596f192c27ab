package outbox

import (
	"bytes"
	"strings"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// An older stagebot's Slack adapter kept its threads in the refs bucket, beside its message
// refs (adapter "slack", ref "CHANNEL:TS", the layout refs still have):
//
//	slack \x00 thread:REQUEST:CHANNEL -> TS of the request's message in CHANNEL
//
// migrateSlackThreads moves each into the threads bucket as the ref of that message,
// "CHANNEL:TS", so that a request staged before the upgrade keeps its thread. The entries
// that adapter kept for requests staged inside a person's thread (root:REQUEST:CHANNEL,
// under:CHANNEL:ROOT) stay in refs as they are. Once moved, nothing is left under the
// prefix, so the look at every open costs one seek.
func migrateSlackThreads(tx *bolt.Tx) error {
	const adapter = "slack"
	prefix := []byte(adapter + "\x00thread:")
	refs, threads := tx.Bucket(bucketRefs), tx.Bucket(bucketThreads)
	var old [][]byte
	c := refs.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		ts := string(refs.Get(k))
		// Request IDs are UUIDs and channels Slack IDs: neither has a colon.
		id, channel, ok := strings.Cut(string(k[len(prefix):]), ":")
		if ok && id != "" && channel != "" && ts != "" {
			tk := threadKey(stagebot.Dest{Adapter: adapter, Channel: channel}, id)
			if threads.Get(tk) == nil {
				if err := threads.Put(tk, []byte(channel+":"+ts)); err != nil {
					return err
				}
			}
		}
		if err := refs.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
