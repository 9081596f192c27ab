package outbox

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// bucketMemory holds one nested bucket per adapter: what it remembers across restarts
// (bot.Memory), apart from the announcements and their refs.
var bucketMemory = []byte("adapter-memory")

// Memory is one adapter's bot.Memory in the outbox's file.
type Memory struct {
	db      *bolt.DB
	adapter []byte
}

// Memory is what the adapter named adapter remembers. Nothing is read or written before a
// call; on a read-only file Get works and Put and Delete fail.
func (o *Outbox) Memory(adapter string) *Memory {
	return &Memory{db: o.db, adapter: []byte(adapter)}
}

func (m *Memory) Get(key string) (string, error) {
	var v string
	err := m.db.View(func(tx *bolt.Tx) error {
		if b := m.bucket(tx); b != nil {
			v = string(b.Get([]byte(key)))
		}
		return nil
	})
	return v, err
}

func (m *Memory) Put(key, value string) error {
	if key == "" {
		return errors.New("outbox: empty memory key")
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		all, err := tx.CreateBucketIfNotExists(bucketMemory)
		if err != nil {
			return err
		}
		b, err := all.CreateBucketIfNotExists(m.adapter)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
}

func (m *Memory) Delete(key string) error {
	return m.db.Update(func(tx *bolt.Tx) error {
		if b := m.bucket(tx); b != nil {
			return b.Delete([]byte(key))
		}
		return nil
	})
}

func (m *Memory) bucket(tx *bolt.Tx) *bolt.Bucket {
	all := tx.Bucket(bucketMemory)
	if all == nil {
		return nil
	}
	return all.Bucket(m.adapter)
}
