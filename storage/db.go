package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	bolt "go.etcd.io/bbolt"

	"stagebot"
	"stagebot/outbox"
)

var (
	bucketRequests = []byte("requests") // id -> Request JSON
	bucketActive   = []byte("active")   // id -> state, for requests not in a final state
	bucketPackages = []byte("packages") // name \x00 arch \x00 created(ns, BE) id -> id
	bucketJobs     = []byte("jobs")     // seq (BE) -> Job JSON
	bucketAudit    = []byte("audit")    // seq (BE) -> Entry JSON
	bucketMeta     = []byte("meta")     // free-form key -> value
	bucketLines    = []byte("lines")    // list line (filename) the bot wrote -> request id
	bucketFiles    = []byte("files")    // click file (filename) the bot placed -> request id
	allBuckets     = [][]byte{bucketRequests, bucketActive, bucketPackages, bucketJobs,
		bucketAudit, bucketMeta, bucketLines, bucketFiles}
)

// DB is the bbolt file. The announcement outbox keeps its own buckets in it (package
// outbox); a transaction here appends to it (Tx.Announce).
type DB struct {
	bolt   *bolt.DB
	cache  *requestCache
	outbox *outbox.Outbox
}

// Open opens (creating if needed) the database file. A second process on the same file
// waits up to a few seconds for the lock and then fails, rather than corrupting state.
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

// Options tune Open for uses other than the bot's own.
type Options struct {
	// NoSync skips the fsync of each commit: for simulations that reopen the file as a
	// crash would but never lose power. Never for the bot's own state.
	NoSync bool
}

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, NoSync: opts.NoSync})
	if err != nil {
		return nil, openError(path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("init %s: %w", path, err)
	}
	return withOutbox(b)
}

func withOutbox(b *bolt.DB) (*DB, error) {
	ob, err := outbox.Open(b)
	if err != nil {
		b.Close()
		return nil, err
	}
	return &DB{bolt: b, cache: newRequestCache(), outbox: ob}, nil
}

// Outbox is the file's announcement outbox, which the bot delivers from.
func (db *DB) Outbox() *outbox.Outbox { return db.outbox }

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Update runs fn in one read-write transaction: all its writes land together or not at all.
func (db *DB) Update(fn func(*Tx) error) error {
	written := map[string]*stagebot.Request{}
	committed := false
	db.cache.beginWrite()
	// Deferred so that a panicking fn (bbolt rolls back and re-panics) does not leave the
	// cache thinking a write is still open.
	defer func() { db.cache.endWrite(written, committed) }()
	err := db.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, outbox: db.outbox, written: written}) })
	committed = err == nil
	return err
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	t := db.cache.begin()
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, cache: db.cache, ticket: t}) })
}

// Tx is a transaction with stagebot's typed operations.
type Tx struct {
	tx     *bolt.Tx
	outbox *outbox.Outbox
	// A read transaction's view of the decoded-request cache (nil in write transactions).
	cache  *requestCache
	ticket ticket
	// A write transaction's requests, as put, for the cache once bbolt committed.
	written map[string]*stagebot.Request
	// announced are the requests this transaction announced lines about (Announce).
	announced []string
}

func (t *Tx) b(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

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

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %s/%q: %w", "bucket", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// Meta reads a value from the key/value area (nil when absent). The slice is a copy.
func (t *Tx) Meta(key string) []byte {
	v := t.b(bucketMeta).Get([]byte(key))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// SetMeta writes a value to the key/value area; nil deletes it.
func (t *Tx) SetMeta(key string, value []byte) error {
	if value == nil {
		return t.b(bucketMeta).Delete([]byte(key))
	}
	return t.b(bucketMeta).Put([]byte(key), value)
}

// MetaJSON decodes a JSON value from the key/value area; false when absent.
func (t *Tx) MetaJSON(key string, v any) (bool, error) {
	return getJSON(t.b(bucketMeta), []byte(key), v)
}

// SetMetaJSON stores v as JSON.
func (t *Tx) SetMetaJSON(key string, v any) error {
	return putJSON(t.b(bucketMeta), []byte(key), v)
}

// OpenReadOnly opens an existing file for reading only (audit verification beside a
// running bot must not need its write lock, nor create anything).
func OpenReadOnly(path string) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, openError(path, err)
	}
	return withOutbox(b)
}

// openError names the file once: bbolt's own errors (a lock not taken in time) do not name
// it, the file system's do already.
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("open %s: %w", path, err)
}
