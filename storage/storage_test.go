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
				if _, err := tx.Announce(stagebot.Event{Text: fmt.Sprint("line ", i)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	announce(2) // before any adapter: not replayed to a new adapter
	db.Update(func(tx *Tx) error { tx.RegisterAdapter("irc"); return tx.RegisterAdapter("slack") })
	announce(3)
	pending := func(name string) []stagebot.Event {
		var out []stagebot.Event
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

// TestOutboxCursorsPerChannel: each channel of an adapter has its own cursor; one that
// takes nothing holds back only itself, and the outbox is pruned below the lowest cursor.
func TestOutboxCursorsPerChannel(t *testing.T) {
	db := openTest(t)
	stage, quiet := stagebot.Dest{Adapter: "irc", Channel: "#stage"}, stagebot.Dest{Adapter: "irc", Channel: "#quiet"}
	slack := stagebot.Dest{Adapter: "slack", Channel: "C1"}
	announce(t, db, 2) // before any cursor: never delivered, pruned
	mustUpdate(t, db, func(tx *Tx) error {
		for _, d := range []stagebot.Dest{stage, quiet, slack} {
			if err := tx.Register(d); err != nil {
				return err
			}
		}
		return nil
	})
	announce(t, db, 4) // seqs 3..6
	for _, d := range []stagebot.Dest{stage, slack} {
		mustUpdate(t, db, func(tx *Tx) error { return tx.DeliveredTo(d, 6) })
	}
	db.View(func(tx *Tx) error {
		if got := seqs(t, tx, stage); len(got) != 0 {
			t.Errorf("#stage pending %v after taking all", got)
		}
		if got := seqs(t, tx, quiet); fmt.Sprint(got) != "[3 4 5 6]" {
			t.Errorf("#quiet pending %v, want [3 4 5 6]: another channel's delivery cost it lines", got)
		}
		if n := tx.OutboxLen(); n != 4 {
			t.Errorf("outbox holds %d, want the 4 #quiet lacks (and nothing from before the cursors)", n)
		}
		return nil
	})
	// #quiet catches up partway: the outbox keeps only what it still lacks.
	mustUpdate(t, db, func(tx *Tx) error { return tx.DeliveredTo(quiet, 4) })
	// A late report of an older delivery does not move a cursor back.
	mustUpdate(t, db, func(tx *Tx) error { return tx.DeliveredTo(quiet, 3) })
	db.View(func(tx *Tx) error {
		if got := seqs(t, tx, quiet); fmt.Sprint(got) != "[5 6]" {
			t.Errorf("#quiet pending %v, want [5 6]", got)
		}
		if n, b := tx.OutboxLen(), tx.BacklogOf(quiet); n != 2 || b != 2 {
			t.Errorf("outbox %d, #quiet backlog %d, want 2 and 2", n, b)
		}
		if cur := tx.Cursors()[quiet]; cur != 4 {
			t.Errorf("#quiet's cursor at %d, want 4", cur)
		}
		return nil
	})
	// Re-registering keeps the cursor (a restart does not replay or skip).
	mustUpdate(t, db, func(tx *Tx) error { return tx.Register(quiet) })
	db.View(func(tx *Tx) error {
		if got := seqs(t, tx, quiet); fmt.Sprint(got) != "[5 6]" {
			t.Errorf("#quiet pending %v after re-registering, want [5 6]", got)
		}
		return nil
	})
}

// TestKeepCursors: at start the cursors become exactly the configured channels: one no longer
// configured is dropped (with its backlog reported) so it cannot pin the outbox, a new one
// starts at the end, and an adapter's single cursor from before cursors were per channel
// hands its place to the adapter's channels.
func TestKeepCursors(t *testing.T) {
	stage, quiet, gone := stagebot.Dest{Adapter: "irc", Channel: "#stage"}, stagebot.Dest{Adapter: "irc", Channel: "#quiet"}, stagebot.Dest{Adapter: "irc", Channel: "#gone"}
	console := stagebot.Dest{Adapter: "console"}
	// Before each case: #stage, #gone and console registered on an empty outbox, then five
	// announcements; console took all five, #stage three, #gone none.
	cases := []struct {
		name        string
		keep        []stagebot.Dest
		wantDropped map[stagebot.Dest]int
		wantCursors map[stagebot.Dest]uint64
		wantOutbox  int
	}{
		{"#gone dropped: #stage's cursor is now the lowest", []stagebot.Dest{console, stage},
			map[stagebot.Dest]int{gone: 5}, map[stagebot.Dest]uint64{console: 5, stage: 3}, 2},
		{"a new channel starts at the end", []stagebot.Dest{console, stage, quiet},
			map[stagebot.Dest]int{gone: 5}, map[stagebot.Dest]uint64{console: 5, stage: 3, quiet: 5}, 2},
		{"only the console left", []stagebot.Dest{console},
			map[stagebot.Dest]int{gone: 5, stage: 2}, map[stagebot.Dest]uint64{console: 5}, 0},
		{"all configured", []stagebot.Dest{console, stage, gone},
			map[stagebot.Dest]int{}, map[stagebot.Dest]uint64{console: 5, stage: 3, gone: 0}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for _, d := range []stagebot.Dest{stage, gone, console} {
					if err := tx.Register(d); err != nil {
						return err
					}
				}
				return nil
			})
			announce(t, db, 5)
			mustUpdate(t, db, func(tx *Tx) error {
				if err := tx.DeliveredTo(console, 5); err != nil {
					return err
				}
				return tx.DeliveredTo(stage, 3)
			})
			var dropped map[stagebot.Dest]int
			mustUpdate(t, db, func(tx *Tx) error {
				var err error
				dropped, err = tx.KeepCursors(c.keep)
				return err
			})
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
				// What a remaining channel has yet to take is still there, in order.
				if cur, ok := c.wantCursors[stage]; ok {
					if got := seqs(t, tx, stage); len(got) != int(5-cur) || (len(got) > 0 && got[0] != cur+1) {
						t.Errorf("#stage pending %v", got)
					}
				}
				return nil
			})
		})
	}
}

// TestKeepCursorsInheritsAdapterCursor: a database from before cursors were per channel
// (one cursor named "irc") upgrades without losing or repeating a line: each IRC channel
// starts where the adapter's cursor stood, and that cursor goes.
func TestKeepCursorsInheritsAdapterCursor(t *testing.T) {
	db := openTest(t)
	mustUpdate(t, db, func(tx *Tx) error { return tx.RegisterAdapter("irc") })
	announce(t, db, 4)
	mustUpdate(t, db, func(tx *Tx) error { return tx.Delivered("irc", 2) })
	stage, quiet := stagebot.Dest{Adapter: "irc", Channel: "#stage"}, stagebot.Dest{Adapter: "irc", Channel: "#quiet"}
	mustUpdate(t, db, func(tx *Tx) error {
		dropped, err := tx.KeepCursors([]stagebot.Dest{stage, quiet})
		if fmt.Sprint(dropped) != fmt.Sprint(map[stagebot.Dest]int{{Adapter: "irc"}: 2}) {
			t.Errorf("dropped %v, want the adapter's old cursor with 2 undelivered", dropped)
		}
		return err
	})
	db.View(func(tx *Tx) error {
		for _, d := range []stagebot.Dest{stage, quiet} {
			if got := seqs(t, tx, d); fmt.Sprint(got) != "[3 4]" {
				t.Errorf("%s pending %v, want [3 4]", d, got)
			}
		}
		return nil
	})
}

func announce(t *testing.T, db *DB, n int) {
	t.Helper()
	mustUpdate(t, db, func(tx *Tx) error {
		for i := 0; i < n; i++ {
			if _, err := tx.Announce(stagebot.Event{Text: fmt.Sprint("line ", i)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func mustUpdate(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func seqs(t *testing.T, tx *Tx, d stagebot.Dest) []uint64 {
	t.Helper()
	got, err := tx.PendingTo(d, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, a := range got {
		out = append(out, a.Seq)
	}
	return out
}
