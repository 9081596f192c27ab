package storage

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The files the bot placed are recorded across restarts, also in a database made before
// they were recorded at all.
func TestFileOwners(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stagebot.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// A database from before: no such bucket.
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketFiles) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	reopen := func() *DB {
		t.Helper()
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db = reopen()
	steps := []struct {
		name string
		do   func(tx *Tx) error
		want map[string]string
	}{
		{"none yet", nil, map[string]string{"a_1_all.click": ""}},
		{"owned", func(tx *Tx) error { return tx.OwnFile("a_1_all.click", "id-a") },
			map[string]string{"a_1_all.click": "id-a", "b_1_all.click": ""}},
		{"passed on", func(tx *Tx) error { return tx.OwnFile("a_1_all.click", "id-b") },
			map[string]string{"a_1_all.click": "id-b"}},
		{"disowned", func(tx *Tx) error { return tx.DisownFile("a_1_all.click") },
			map[string]string{"a_1_all.click": ""}},
	}
	for _, st := range steps {
		if st.do != nil {
			if err := db.Update(st.do); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			db.Close()
			db = reopen()
		}
		db.View(func(tx *Tx) error {
			for name, want := range st.want {
				if got := tx.FileOwner(name); got != want {
					t.Errorf("%s: FileOwner(%s) = %q, want %q", st.name, name, got, want)
				}
			}
			return nil
		})
	}
}
