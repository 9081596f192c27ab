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

func TestOutboxCursorsPerAdapter(t *testing.T) {
	db := openTest(t)
	announce := func(n int) {
		t.Helper()
		db.Update(func(tx *Tx) error {
			for i := 0; i < n; i++ {
				if _, err := tx.Announce(stagebot.Announcement{Text: fmt.Sprint("line ", i)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	announce(2) // before any adapter: not replayed to a new adapter
	db.Update(func(tx *Tx) error { tx.RegisterAdapter("irc"); return tx.RegisterAdapter("slack") })
	announce(3)
	pending := func(name string) []stagebot.Announcement {
		var out []stagebot.Announcement
		db.View(func(tx *Tx) error {
			var err error
			out, err = tx.Pending(name, 100)
			return err
		})
		return out
	}
	irc := pending("irc")
	if len(irc) != 3 || irc[0].Seq != 3 || irc[2].Seq != 5 {
		t.Fatalf("irc pending %v", irc)
	}
	db.Update(func(tx *Tx) error { return tx.Delivered("irc", irc[1].Seq) })
	if got := pending("irc"); len(got) != 1 || got[0].Seq != 5 {
		t.Fatalf("irc after delivery: %v", got)
	}
	if got := pending("slack"); len(got) != 3 {
		t.Fatalf("slack lost announcements irc delivered: %v", got)
	}
	// Re-registering keeps the cursor (a restart does not replay or skip).
	db.Update(func(tx *Tx) error { return tx.RegisterAdapter("irc") })
	if got := pending("irc"); len(got) != 1 {
		t.Fatalf("irc after re-register: %v", got)
	}
	db.View(func(tx *Tx) error {
		if n := tx.Backlog("slack"); n != 3 {
			t.Errorf("slack backlog %d", n)
		}
		return nil
	})
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

func TestDropCursorsExcept(t *testing.T) {
	// Before each case: irc, slack and console registered on an empty outbox, then five
	// announcements; console delivered all five, slack three, irc none.
	cases := []struct {
		name        string
		keep        []string
		wantDropped map[string]int
		wantCursors map[string]uint64
		wantOutbox  int
	}{
		{"irc gone: slack's cursor is now the lowest", []string{"console", "slack"},
			map[string]int{"irc": 5}, map[string]uint64{"console": 5, "slack": 3}, 2},
		{"irc and slack gone", []string{"console"},
			map[string]int{"irc": 5, "slack": 2}, map[string]uint64{"console": 5}, 0},
		{"all configured", []string{"console", "irc", "slack"},
			map[string]int{}, map[string]uint64{"console": 5, "irc": 0, "slack": 3}, 5},
		{"a new adapter is no reason to drop", []string{"console", "irc", "slack", "matrix"},
			map[string]int{}, map[string]uint64{"console": 5, "irc": 0, "slack": 3}, 5},
		{"none configured", nil,
			map[string]int{"console": 0, "irc": 5, "slack": 2}, map[string]uint64{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t)
			err := db.Update(func(tx *Tx) error {
				for _, a := range []string{"irc", "slack", "console"} {
					if err := tx.RegisterAdapter(a); err != nil {
						return err
					}
				}
				for i := 0; i < 5; i++ {
					if _, err := tx.Announce(stagebot.Announcement{Text: fmt.Sprint("line ", i)}); err != nil {
						return err
					}
				}
				if err := tx.Delivered("console", 5); err != nil {
					return err
				}
				return tx.Delivered("slack", 3)
			})
			if err != nil {
				t.Fatal(err)
			}
			var dropped map[string]int
			err = db.Update(func(tx *Tx) error {
				var err error
				dropped, err = tx.DropCursorsExcept(c.keep)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(dropped) != fmt.Sprint(c.wantDropped) {
				t.Errorf("dropped %v, want %v", dropped, c.wantDropped)
			}
			db.View(func(tx *Tx) error {
				if got := tx.Cursors(); fmt.Sprint(got) != fmt.Sprint(c.wantCursors) {
					t.Errorf("cursors %v, want %v", got, c.wantCursors)
				}
				if n := tx.OutboxLen(); n != c.wantOutbox {
					t.Errorf("%d announcements kept, want %d", n, c.wantOutbox)
				}
				// What a remaining adapter has yet to deliver is still there, in order.
				if cur, ok := c.wantCursors["slack"]; ok {
					got, err := tx.Pending("slack", 100)
					if err != nil || len(got) != int(5-cur) || (len(got) > 0 && got[0].Seq != cur+1) {
						t.Errorf("slack pending %v, %v", got, err)
					}
				}
				return nil
			})
		})
	}
}
