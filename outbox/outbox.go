// Package outbox is the announcement outbox: the events the channels must hear, one
// delivery cursor per channel of each chat adapter, and what each network calls the messages
// that carried them. It keeps its own buckets in the bot's bbolt file. The workflow appends
// events inside its own transactions (Append), so an event is on disk exactly when the
// change it reports is; the bot reads and acknowledges them here, one channel at a time.
package outbox

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"stagebot"
	"stagebot/internal/wake"
)

var (
	bucketEvents  = []byte("outbox")  // seq (BE) -> Event JSON
	bucketCursors = []byte("cursors") // dest key -> last seq the destination took (BE)
	bucketRefs    = []byte("refs")    // adapter \x00 ref -> request id
	bucketThreads = []byte("threads") // adapter \x00 channel \x00 request id -> ref
	allBuckets    = [][]byte{bucketEvents, bucketCursors, bucketRefs, bucketThreads}
)

// Outbox is the outbox of one bbolt file.
type Outbox struct {
	db     *bolt.DB
	signal chan struct{}
}

// Open makes the outbox of db, creating its buckets and bringing records of older versions
// to the current layout. On a read-only db it writes nothing, and only reads work.
func Open(db *bolt.DB) (*Outbox, error) {
	o := &Outbox{db: db, signal: make(chan struct{}, 1)}
	if db.IsReadOnly() {
		return o, nil
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return migrateSlackThreads(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("outbox in %s: %w", db.Path(), err)
	}
	return o, nil
}

// Append adds e to the outbox inside tx, the transaction that makes the change e reports,
// and returns its sequence number. Signal fires once tx commits, and not at all if it rolls
// back: a reader woken by it finds e.
func (o *Outbox) Append(tx *bolt.Tx, e stagebot.Event) (uint64, error) {
	b := tx.Bucket(bucketEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	e.Seq = seq
	if err := putJSON(b, itob(seq), e); err != nil {
		return 0, err
	}
	tx.OnCommit(func() { wake.Signal(o.signal) })
	return seq, nil
}

// Signal fires, coalesced, after a transaction that appended events committed.
func (o *Outbox) Signal() <-chan struct{} { return o.signal }

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
