package storage

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"stagebot"
)

const cachedID = "abcd1234-0000-4000-8000-000000000001"

func attemptOf(t *testing.T, db *DB, byPrefix bool) int {
	t.Helper()
	var got int
	err := db.View(func(tx *Tx) error {
		var r *stagebot.Request
		var err error
		if byPrefix {
			r, err = tx.FindRequest(cachedID[:8])
		} else {
			r, err = tx.Request(cachedID)
		}
		if err != nil {
			return err
		}
		got = r.Attempt
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func setAttempt(db *DB, n int, fail error) error {
	return db.Update(func(tx *Tx) error {
		r := req(cachedID, "a", "all", stagebot.StatePending, 1)
		r.Attempt = n
		if err := tx.PutRequest(r); err != nil {
			return err
		}
		r.Attempt = -1 // the caller changing its copy after the put must not reach the cache
		return fail
	})
}

// TestCacheFollowsCommitsAndRollbacks: reads after a commit see it, a rolled-back write
// leaves nothing behind, and a caller changing what it was handed changes nothing stored.
func TestCacheFollowsCommitsAndRollbacks(t *testing.T) {
	for _, byPrefix := range []bool{false, true} {
		t.Run("byPrefix="+strconv.FormatBool(byPrefix), func(t *testing.T) {
			db := openTest(t)
			steps := []struct {
				set  int
				fail error
				want int
			}{
				{1, nil, 1},
				{2, nil, 2},
				{3, errors.New("rolled back"), 2},
				{4, nil, 4},
			}
			for _, s := range steps {
				err := setAttempt(db, s.set, s.fail)
				if (err != nil) != (s.fail != nil) {
					t.Fatalf("set %d: %v", s.set, err)
				}
				for range 2 { // the first read may fill the cache, the second uses it
					if got := attemptOf(t, db, byPrefix); got != s.want {
						t.Fatalf("after setting %d (fail=%v): read %d, want %d", s.set, s.fail, got, s.want)
					}
				}
			}
			db.View(func(tx *Tx) error {
				r, _ := tx.Request(cachedID)
				r.Attempt = 99
				return nil
			})
			if got := attemptOf(t, db, byPrefix); got != 4 {
				t.Fatalf("a caller's change to its copy leaked into the cache: %d", got)
			}
		})
	}
}

// TestCacheKeepsSnapshots: a read transaction that began before a commit goes on seeing
// what was there when it began, though the cache already holds the commit's value, and
// does not put its older value back in the cache.
func TestCacheKeepsSnapshots(t *testing.T) {
	db := openTest(t)
	// bbolt's commit waits for open readers when it has to grow the file's mapping: make
	// room first, so that the commit below can finish while the old reader waits on it.
	for _, v := range [][]byte{make([]byte, 1<<20), nil} {
		if err := db.Update(func(tx *Tx) error { return tx.SetMeta("room", v) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := setAttempt(db, 1, nil); err != nil {
		t.Fatal(err)
	}
	attemptOf(t, db, false) // cached
	began, committed := make(chan struct{}), make(chan struct{})
	var inside int
	var wg sync.WaitGroup
	wg.Go(func() {
		db.View(func(tx *Tx) error {
			close(began)
			<-committed
			r, err := tx.Request(cachedID)
			if err == nil {
				inside = r.Attempt
			}
			return err
		})
	})
	<-began
	if err := setAttempt(db, 2, nil); err != nil {
		t.Fatal(err)
	}
	close(committed)
	wg.Wait()
	if inside != 1 {
		t.Fatalf("a transaction begun before the commit read %d, want its snapshot's 1", inside)
	}
	if got := attemptOf(t, db, false); got != 2 {
		t.Fatalf("after the old reader finished: %d, want 2", got)
	}
}

// TestCacheAgreesWithTheSnapshotUnderLoad: a writer keeps changing a request and a meta
// value in the same transaction; readers must always see the two agree.
func TestCacheAgreesWithTheSnapshotUnderLoad(t *testing.T) {
	db := openTest(t)
	write := func(n int) error {
		return db.Update(func(tx *Tx) error {
			r := req(cachedID, "a", "all", stagebot.StatePending, 1)
			r.Attempt = n
			if err := tx.PutRequest(r); err != nil {
				return err
			}
			return tx.SetMeta("attempt", []byte(strconv.Itoa(n)))
		})
	}
	if err := write(0); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for n := 1; n <= 300; n++ {
			if err := write(n); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				db.View(func(tx *Tx) error {
					r, err := tx.Request(cachedID)
					if err != nil {
						t.Error(err)
						return err
					}
					if meta := string(tx.Meta("attempt")); meta != strconv.Itoa(r.Attempt) {
						t.Errorf("request says attempt %d, the same snapshot's meta %s", r.Attempt, meta)
					}
					return nil
				})
			}
		})
	}
	wg.Wait()
}

// TestCacheStaysBounded: however many requests are read, the cache holds at most
// maxCached of them, and a panicking write leaves it usable.
func TestCacheStaysBounded(t *testing.T) {
	db := openTest(t)
	n := maxCached + 100
	err := db.Update(func(tx *Tx) error {
		for i := range n {
			if err := tx.PutRequest(req(fmt.Sprintf("%08x-0000-4000-8000-000000000000", i), "a", "all", stagebot.StatePending, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Request(fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	db.cache.mu.Lock()
	size := len(db.cache.m)
	db.cache.mu.Unlock()
	if size > maxCached || size < maxCached/2 {
		t.Fatalf("%d cached after reading %d requests, want at most %d (and not emptied)", size, n, maxCached)
	}

	func() {
		defer func() { recover() }()
		db.Update(func(tx *Tx) error { panic("in a write") })
	}()
	db.cache.mu.Lock()
	writers := db.cache.writers
	db.cache.mu.Unlock()
	if writers != 0 {
		t.Fatalf("a panicking write left %d writers open: the cache would stay off", writers)
	}
}
