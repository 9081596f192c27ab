package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"stagebot"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func put(t *testing.T, db *DB, rs ...*stagebot.Request) {
	t.Helper()
	err := db.Update(func(tx *Tx) error {
		for _, r := range rs {
			if err := tx.PutRequest(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func req(id, name, arch string, st stagebot.State, created int) *stagebot.Request {
	return &stagebot.Request{ID: id, Name: name, Arch: arch, State: st, Created: time.Unix(int64(created), 0)}
}

func TestFindRequestByPrefix(t *testing.T) {
	db := openTest(t)
	put(t, db,
		req("abcd1234-0000-4000-8000-000000000001", "a", "all", stagebot.StatePending, 1),
		req("abcd5678-0000-4000-8000-000000000002", "b", "all", stagebot.StatePending, 2),
		req("ef012345-0000-4000-8000-000000000003", "c", "all", stagebot.StatePending, 3))
	cases := []struct {
		prefix, wantID, wantCode string
	}{
		{"abcd1234", "abcd1234-0000-4000-8000-000000000001", ""},
		{"ABCD12", "abcd1234-0000-4000-8000-000000000001", ""},
		{"ef01", "ef012345-0000-4000-8000-000000000003", ""},
		{"abcd", "", stagebot.EINVALID}, // ambiguous
		{"abc", "", stagebot.EINVALID},  // too short
		{"zzzz", "", stagebot.EINVALID}, // not hex
		{"ffff", "", stagebot.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.prefix, func(t *testing.T) {
			var got *stagebot.Request
			err := db.View(func(tx *Tx) error {
				var err error
				got, err = tx.FindRequest(c.prefix)
				return err
			})
			if c.wantCode != "" {
				if stagebot.ErrorCode(err) != c.wantCode {
					t.Fatalf("err %v (code %s), want code %s", err, stagebot.ErrorCode(err), c.wantCode)
				}
				return
			}
			if err != nil || got.ID != c.wantID {
				t.Fatalf("got %v, %v; want %s", got, err, c.wantID)
			}
		})
	}
}

func TestActiveAndPackageIndexFollowState(t *testing.T) {
	db := openTest(t)
	a := req("a0000000-0000-4000-8000-000000000001", "foo", "armhf", stagebot.StatePending, 1)
	b := req("b0000000-0000-4000-8000-000000000002", "foo", "all", stagebot.StateLocked, 2)
	c := req("c0000000-0000-4000-8000-000000000003", "foobar", "armhf", stagebot.StatePending, 3)
	put(t, db, a, b, c)
	a.State = stagebot.StatePublished
	put(t, db, a)
	db.View(func(tx *Tx) error {
		active, _ := tx.Active()
		if len(active) != 2 || active[0].ID != b.ID || active[1].ID != c.ID {
			t.Errorf("active = %v", ids(active))
		}
		foo, _ := tx.PackageRequests("foo", "", 0)
		if len(foo) != 2 || foo[0].ID != a.ID || foo[1].ID != b.ID {
			t.Errorf("foo = %v (foobar must not match)", ids(foo))
		}
		armhf, _ := tx.PackageRequests("foo", "armhf", 0)
		if len(armhf) != 1 || armhf[0].State != stagebot.StatePublished {
			t.Errorf("foo/armhf = %v", ids(armhf))
		}
		return nil
	})
}

func ids(rs []*stagebot.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID[:1]+":"+string(r.State))
	}
	return out
}

func TestAuditChain(t *testing.T) {
	db := openTest(t)
	for i := 0; i < 5; i++ {
		db.Update(func(tx *Tx) error {
			return tx.Audit(Entry{Actor: "bob", Action: "approve", RequestID: fmt.Sprint(i), Detail: "x"})
		})
	}
	var n int
	err := db.View(func(tx *Tx) error {
		var err error
		n, err = tx.VerifyAudit()
		return err
	})
	if err != nil || n != 5 {
		t.Fatalf("verify: %d entries, %v", n, err)
	}
	cases := []struct {
		name   string
		tamper func(tx *Tx) error
	}{
		{"altered field", func(tx *Tx) error {
			b := tx.b(bucketAudit)
			v := append([]byte(nil), b.Get(itob(3))...)
			v[len(v)/2] ^= 1
			return b.Put(itob(3), v)
		}},
		{"entry removed", func(tx *Tx) error { return tx.b(bucketAudit).Delete(itob(2)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t)
			for i := 0; i < 4; i++ {
				db.Update(func(tx *Tx) error { return tx.Audit(Entry{Actor: "a", Action: "x"}) })
			}
			db.Update(c.tamper)
			err := db.View(func(tx *Tx) error { _, err := tx.VerifyAudit(); return err })
			if err == nil {
				t.Fatal("tampered chain verified")
			}
		})
	}
}

func TestJobsQueueInOrder(t *testing.T) {
	db := openTest(t)
	db.Update(func(tx *Tx) error {
		for _, id := range []string{"r1", "r2", "r3"} {
			if _, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobLock, RequestID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Update(func(tx *Tx) error { return tx.DeleteJob(2) })
	db.View(func(tx *Tx) error {
		jobs, _ := tx.Jobs()
		if len(jobs) != 2 || jobs[0].RequestID != "r1" || jobs[1].RequestID != "r3" {
			t.Errorf("jobs %v", jobs)
		}
		if _, ok, _ := tx.JobFor("r2"); ok {
			t.Error("deleted job still found")
		}
		return nil
	})
	if err := db.Update(func(tx *Tx) error { return tx.PutJob(stagebot.Job{Seq: 2}) }); err == nil {
		t.Error("PutJob revived a deleted job")
	}
}

func mustUpdate(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}
