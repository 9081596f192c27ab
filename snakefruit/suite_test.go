package snakefruit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// targetMaker opens a fresh, empty target and returns it with its folder as a local path, so
// tests can look at (and play a person editing) what landed independently of the transport.
type targetMaker func(t *testing.T) (Target, string)

// runTargetSuite holds the behaviour every transport must show.
func runTargetSuite(t *testing.T, mk targetMaker) {
	tests := []struct {
		name string
		run  func(t *testing.T, mk targetMaker)
	}{
		{"PutVerifiesAndSkipsSame", testPut},
		{"PutRejectsBadInput", testPutRejects},
		{"NeverReplacesOthersFiles", testNeverReplaces},
		{"ListMissingIsEmpty", testListMissing},
		{"LockSupersedeFlush", testLockSupersedeFlush},
		{"Idempotence", testIdempotence},
		{"ReaderSeesWholeLists", testReaderSeesWholeLists},
		{"PersonEditDuringLockKept", testPersonEditKept},
		{"LockListedDecidesTheLine", testLockListed},
		{"LockPlacingHeardBeforeTheRename", testLockPlacing},
		{"Reconcile", testReconcile},
		{"Pending", testPending},
		{"TwoProcessesEditTheList", testTwoProcessesEditTheList},
		{"PendingYields", testPendingYields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, mk) })
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func testPut(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	c := click(t, "foo_1_all.click", "first content")
	if err := tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, dir)[c.Filename]; got != "first content" {
		t.Fatalf("landed %q", got)
	}
	// Same hash again: nothing is written, so a file we make read-only-looking stays as is.
	info1, _ := os.Stat(filepath.Join(dir, c.Filename))
	if err := tg.Put(ctx, c.Filename, c.Src, c.Size, strings.ToUpper(c.SHA256)); err != nil {
		t.Fatal(err)
	}
	info2, _ := os.Stat(filepath.Join(dir, c.Filename))
	if !os.SameFile(info1, info2) {
		t.Errorf("Put of identical content replaced the file")
	}
	files, err := tg.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(files, []File{{c.Filename, c.Size}}) {
		t.Fatalf("Files = %v", files)
	}
	assertNoTemps(t, dir)
}

// testNeverReplaces: a file of other bytes under a click's name (a person's) is never
// replaced, by an upload or a pre-upload's rename, whatever its size.
func testNeverReplaces(t *testing.T, mk targetMaker) {
	const id = "6f0c1c2e-0d1a-4f55-8a0e-2b7d9c1e3a4f"
	place := map[string]func(ctx context.Context, tg Target, c LockSpec) error{
		"Put": func(ctx context.Context, tg Target, c LockSpec) error {
			return tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256)
		},
		"Promote": func(ctx context.Context, tg Target, c LockSpec) error {
			f, err := os.Open(c.Src)
			if err != nil {
				return err
			}
			defer f.Close()
			p, err := tg.Preupload(ctx, id, f)
			if err != nil {
				return err
			}
			return tg.Promote(ctx, p, c.Filename)
		},
	}
	persons := map[string]string{
		"other size": "a person's own build of it, longer",
		"same size":  "a person's click!!",
	}
	const bots = "the bot's click!!!"
	for _, how := range slices.Sorted(maps.Keys(place)) {
		for _, kind := range slices.Sorted(maps.Keys(persons)) {
			t.Run(how+"/"+kind, func(t *testing.T) {
				ctx := testContext(t)
				tg, dir := mk(t)
				theirs := persons[kind]
				if err := os.WriteFile(filepath.Join(dir, "foo_1_all.click"), []byte(theirs), 0o644); err != nil {
					t.Fatal(err)
				}
				c := click(t, "foo_1_all.click", bots)
				err := place[how](ctx, tg, c)
				var occ *OccupiedError
				if !errors.As(err, &occ) || !IsPermanent(err) {
					t.Fatalf("%s over a person's file: %v, want a permanent *OccupiedError", how, err)
				}
				if occ.Name != c.Filename || occ.Size != int64(len(theirs)) || occ.Want != c.Size {
					t.Errorf("OccupiedError %+v", occ)
				}
				if d := Describe(err); !strings.Contains(d, c.Filename) || !strings.Contains(d, "does not replace") {
					t.Errorf("Describe = %q", d)
				}
				got := snapshot(t, dir)
				if got[c.Filename] != theirs {
					t.Errorf("the person's file now holds %q", got[c.Filename])
				}
				assertNoTemps(t, dir)
			})
		}
	}
}

func testPutRejects(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	c := click(t, "foo_1_all.click", "content")
	tests := []struct {
		name      string
		file, src string
		size      int64
		sha       string
	}{
		{"wrong size", c.Filename, c.Src, c.Size + 1, c.SHA256},
		{"wrong sha", c.Filename, c.Src, c.Size, strings.Repeat("0", 64)},
		{"not a sha", c.Filename, c.Src, c.Size, "xyz"},
		{"missing source", c.Filename, c.Src + ".gone", c.Size, c.SHA256},
		{"path in name", "../" + c.Filename, c.Src, c.Size, c.SHA256},
		{"temp name", TempPrefix + c.Filename, c.Src, c.Size, c.SHA256},
		{"list name", DefaultListFile, c.Src, c.Size, c.SHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tg.Put(ctx, tt.file, tt.src, tt.size, tt.sha)
			if err == nil {
				t.Fatal("Put succeeded")
			}
			if !IsPermanent(err) {
				t.Errorf("error %v is not permanent", err)
			}
			if got := snapshot(t, dir); len(got) != 0 {
				t.Errorf("folder not empty: %q", got)
			}
		})
	}
}

func testListMissing(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	lines, err := tg.ReadList(ctx)
	if err != nil || len(lines) != 0 {
		t.Fatalf("ReadList = %q, %v", lines, err)
	}
	// An edit that changes nothing creates no list.
	if err := tg.EditList(ctx, func(l []string) ([]string, error) { return l, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultListFile)); !os.IsNotExist(err) {
		t.Fatalf("no-op edit created the list: %v", err)
	}
	wantErr := errors.New("edit refuses")
	if err := tg.EditList(ctx, func(l []string) ([]string, error) { return nil, wantErr }); !errors.Is(err, wantErr) {
		t.Fatalf("EditList error = %v, want %v", err, wantErr)
	}
	if err := tg.EditList(ctx, func(l []string) ([]string, error) { return []string{"a\nb"}, nil }); err == nil {
		t.Fatal("a line with a newline was accepted")
	}
	if err := tg.Remove(ctx, "never-there.click"); err != nil {
		t.Fatalf("Remove of a missing file: %v", err)
	}
}

func testLockSupersedeFlush(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	writeList(t, dir, "person-a_1_all.click")

	foo1 := click(t, "foo_1_all.click", "foo one")
	if err := Lock(ctx, tg, foo1); err != nil {
		t.Fatal(err)
	}
	mustEqualLines(t, readListFile(t, dir), "person-a_1_all.click", "foo_1_all.click")

	// A person adds a line after ours; it must stay after ours.
	writeList(t, dir, "person-a_1_all.click", "foo_1_all.click", "person-b_1_all.click")

	foo2 := click(t, "foo_2_all.click", "foo two")
	foo2.Replaces = foo1.Filename
	if err := Lock(ctx, tg, foo2); err != nil {
		t.Fatal(err)
	}
	mustEqualLines(t, readListFile(t, dir), "person-a_1_all.click", "foo_2_all.click", "person-b_1_all.click")
	snap := snapshot(t, dir)
	if _, ok := snap[foo1.Filename]; ok {
		t.Errorf("superseded %s still in the folder", foo1.Filename)
	}
	if snap[foo2.Filename] != "foo two" {
		t.Errorf("%s = %q", foo2.Filename, snap[foo2.Filename])
	}

	bar := click(t, "bar_1_armhf.click", "bar")
	if err := Lock(ctx, tg, bar); err != nil {
		t.Fatal(err)
	}
	lines, err := tg.ReadList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualLines(t, lines, "person-a_1_all.click", "foo_2_all.click", "person-b_1_all.click", "bar_1_armhf.click")

	if err := Unlock(ctx, tg, foo2.Filename); err != nil {
		t.Fatal(err)
	}
	mustEqualLines(t, readListFile(t, dir), "person-a_1_all.click", "person-b_1_all.click", "bar_1_armhf.click")
	if _, ok := snapshot(t, dir)[foo2.Filename]; ok {
		t.Errorf("flushed %s still in the folder", foo2.Filename)
	}
	assertNoTemps(t, dir)
}

// testIdempotence crashes each operation at every transport call in turn, then repeats it
// without faults: the folder must end exactly as after an uninterrupted run, with no temps.
func testIdempotence(t *testing.T, mk targetMaker) {
	foo1 := click(t, "foo_1_all.click", "foo one")
	foo2 := click(t, "foo_2_all.click", "foo two, a little longer")
	foo2.Replaces = foo1.Filename
	lockOp := func(s LockSpec) func(context.Context, Target) error {
		return func(ctx context.Context, tg Target) error { return Lock(ctx, tg, s) }
	}
	scenarios := []struct {
		name  string
		setup func(t *testing.T, ctx context.Context, tg Target, dir string)
		op    func(context.Context, Target) error
	}{
		{"lock new", func(t *testing.T, ctx context.Context, tg Target, dir string) {
			writeList(t, dir, "person_1_all.click")
		}, lockOp(foo1)},
		{"lock superseding", func(t *testing.T, ctx context.Context, tg Target, dir string) {
			writeList(t, dir, "person_1_all.click")
			if err := Lock(ctx, tg, foo1); err != nil {
				t.Fatal(err)
			}
			writeList(t, dir, "person_1_all.click", "foo_1_all.click", "person_2_all.click")
		}, lockOp(foo2)},
		{"unlock", func(t *testing.T, ctx context.Context, tg Target, dir string) {
			if err := Lock(ctx, tg, foo1); err != nil {
				t.Fatal(err)
			}
			writeList(t, dir, "foo_1_all.click", "person_1_all.click", "foo_1_all.click")
		}, func(ctx context.Context, tg Target) error { return Unlock(ctx, tg, foo1.Filename) }},
		{"sweep", func(t *testing.T, ctx context.Context, tg Target, dir string) {
			for _, name := range []string{TempPrefix + "a.click", TempPrefix + "b.click", "person.click"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, func(ctx context.Context, tg Target) error { return tg.SweepTemps(ctx) }},
	}
	ctx := testContext(t)
	tg, dir := mk(t)
	inner := tg.(*target)
	real := inner.fs
	faults := &faultFS{inner: real}
	inner.fs = faults
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			clearFolder(t, dir)
			sc.setup(t, ctx, tg, dir)
			if err := sc.op(ctx, tg); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, dir)
			assertNoTemps(t, dir)

			for failAt := 1; ; failAt++ {
				clearFolder(t, dir)
				sc.setup(t, ctx, tg, dir)
				faults.mu.Lock()
				faults.calls, faults.failAt = 0, failAt
				faults.mu.Unlock()
				err := sc.op(ctx, tg)
				crashed := faults.crashed()
				faults.mu.Lock()
				faults.failAt = 0
				faults.mu.Unlock()
				if !crashed {
					if failAt == 1 {
						t.Fatal("the operation made no transport call")
					}
					break
				}
				if err == nil {
					t.Fatalf("crash at call %d: the operation reported success", failAt)
				}
				if err := sc.op(ctx, tg); err != nil {
					t.Fatalf("crash at call %d, then repeat: %v", failAt, err)
				}
				// What the failed removal of a temp file left, the worker's tidying removes.
				if err := tg.Tidy(ctx); err != nil {
					t.Fatalf("crash at call %d, then tidy: %v", failAt, err)
				}
				t.Run(fmt.Sprintf("crash-at-%d", failAt), func(t *testing.T) {
					assertSameFolder(t, snapshot(t, dir), want)
				})
			}
		})
	}
}

// testReaderSeesWholeLists locks 20 clicks (some superseding others) while a reader polls the
// list file; every read must be exactly one of the lists the sequence passes through.
func testReaderSeesWholeLists(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	const readsPerLock = 60
	var specs []LockSpec
	for i := range 10 {
		specs = append(specs, click(t, fmt.Sprintf("pkg%d_1_all.click", i), fmt.Sprintf("pkg %d v1", i)))
	}
	for i := range 10 {
		s := click(t, fmt.Sprintf("pkg%d_2_all.click", i), fmt.Sprintf("pkg %d v2", i))
		s.Replaces = fmt.Sprintf("pkg%d_1_all.click", i)
		specs = append(specs, s)
	}
	start := []string{"person-a_1_all.click", "person-b_1_all.click"}
	writeList(t, dir, start...)
	valid := map[string]bool{string(FormatList(start)): true}
	lines := start
	for _, s := range specs {
		lines = ReplaceOrAppend(lines, s.Filename, s.Replaces)
		valid[string(FormatList(lines))] = true
	}

	var (
		reads atomic.Int64
		badMu sync.Mutex
		bad   []string
		wg    sync.WaitGroup
	)
	done := make(chan struct{})
	// The reader hands over a token every readsPerLock reads and each lock waits for one, so
	// the reads are spread over all the locks rather than bunched before or after them.
	polled := make(chan struct{}, 1)
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(dir, DefaultListFile))
			badMu.Lock()
			if err != nil {
				bad = append(bad, "read error: "+err.Error())
			} else if !valid[string(b)] {
				bad = append(bad, string(b))
			}
			badMu.Unlock()
			if reads.Add(1)%readsPerLock == 0 {
				select {
				case polled <- struct{}{}:
				case <-done:
					return
				}
			}
		}
	})
	for _, s := range specs {
		<-polled
		if err := Lock(ctx, tg, s); err != nil {
			close(done)
			wg.Wait()
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if n := reads.Load(); n < 20*readsPerLock {
		t.Fatalf("only %d reads", n)
	}
	badMu.Lock()
	defer badMu.Unlock()
	for i, b := range bad {
		if i < 5 {
			t.Errorf("reader saw a list that no step produced: %q", b)
		}
	}
	mustEqualLines(t, readListFile(t, dir), lines...)
	assertNoTemps(t, dir)
}

// testPersonEditKept has a person save the list while Lock is between reading it and renaming
// its new version over it: the person's edit must survive and our line must still land.
func testPersonEditKept(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	writeList(t, dir, "person-a_1_all.click", "foo_1_all.click")
	foo1 := click(t, "foo_1_all.click", "foo one")
	if err := Lock(ctx, tg, foo1); err != nil {
		t.Fatal(err)
	}
	inner := tg.(*target)
	edited := 0
	inner.fs = &faultFS{inner: inner.fs, before: func(op, name string) {
		if op == "writeFile" && isTempOf(name, DefaultListFile) && edited == 0 {
			edited++
			writeList(t, dir, "person-z_1_all.click", "person-a_1_all.click", "foo_1_all.click", "person-b_1_all.click")
		}
	}}
	foo2 := click(t, "foo_2_all.click", "foo two")
	foo2.Replaces = foo1.Filename
	if err := Lock(ctx, tg, foo2); err != nil {
		t.Fatal(err)
	}
	if edited != 1 {
		t.Fatalf("the person's edit ran %d times", edited)
	}
	mustEqualLines(t, readListFile(t, dir), "person-z_1_all.click", "person-a_1_all.click", "foo_2_all.click", "person-b_1_all.click")
	assertNoTemps(t, dir)
}

// testLockListed: the edit tells Listed whether the list already names the click, each
// time it runs, and leaves exactly one of the caller's own line, a person's as it is.
func testLockListed(t *testing.T, mk targetMaker) {
	for _, c := range []struct {
		name    string
		before  []string
		own     bool
		already bool
		want    []string
	}{
		{"absent", []string{"a_1_all.click"}, true, false, []string{"a_1_all.click", "foo_1_all.click"}},
		{"own line copied by a person", []string{"foo_1_all.click", "a_1_all.click", "foo_1_all.click"}, true, true,
			[]string{"foo_1_all.click", "a_1_all.click"}},
		{"a person's copies stay", []string{"foo_1_all.click", "a_1_all.click", "foo_1_all.click"}, false, true,
			[]string{"foo_1_all.click", "a_1_all.click", "foo_1_all.click"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := testContext(t)
			tg, dir := mk(t)
			writeList(t, dir, c.before...)
			spec := click(t, "foo_1_all.click", "foo one")
			var heard []bool
			spec.Listed = func(_ context.Context, already bool) (bool, error) {
				heard = append(heard, already)
				return c.own, nil
			}
			if err := Lock(ctx, tg, spec); err != nil {
				t.Fatal(err)
			}
			if len(heard) != 1 || heard[0] != c.already {
				t.Fatalf("Listed heard %v, want [%v]", heard, c.already)
			}
			mustEqualLines(t, readListFile(t, dir), c.want...)
		})
	}
	// An error stops the lock before the list is written.
	ctx := testContext(t)
	tg, dir := mk(t)
	writeList(t, dir, "a_1_all.click")
	spec := click(t, "foo_1_all.click", "foo one")
	stop := errors.New("not wanted any more")
	spec.Listed = func(context.Context, bool) (bool, error) { return true, stop }
	if err := Lock(ctx, tg, spec); !errors.Is(err, stop) {
		t.Fatalf("Lock = %v, want %v", err, stop)
	}
	mustEqualLines(t, readListFile(t, dir), "a_1_all.click")
	assertNoTemps(t, dir)
}

// testLockPlacing: Placing runs once, right before the click is renamed into place, and
// not at all when the same bytes are there already; its error stops the lock with
// nothing placed.
func testLockPlacing(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	spec := click(t, "foo_1_all.click", "foo one")
	var heard []bool // whether the click was in place when Placing ran
	spec.Placing = func(context.Context) error {
		_, err := os.Stat(filepath.Join(dir, spec.Filename))
		heard = append(heard, err == nil)
		return nil
	}
	if err := Lock(ctx, tg, spec); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(heard, []bool{false}) {
		t.Fatalf("Placing heard %v, want once, before the click was in place", heard)
	}
	if err := Lock(ctx, tg, spec); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 1 {
		t.Fatalf("Placing ran again with the same bytes in place: %v", heard)
	}
	other := click(t, "bar_1_all.click", "bar one")
	stop := errors.New("no record, no file")
	other.Placing = func(context.Context) error { return stop }
	if err := Lock(ctx, tg, other); !errors.Is(err, stop) {
		t.Fatalf("Lock = %v, want %v", err, stop)
	}
	if _, err := os.Stat(filepath.Join(dir, other.Filename)); !os.IsNotExist(err) {
		t.Fatalf("the click was placed after Placing failed: %v", err)
	}
	mustEqualLines(t, readListFile(t, dir), spec.Filename)
	assertNoTemps(t, dir)
}

func testReconcile(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	tg, dir := mk(t)
	for _, s := range []LockSpec{click(t, "ok_1_all.click", "ok"), click(t, "dup_1_all.click", "dup"), click(t, "noline_1_all.click", "x")} {
		if err := Lock(ctx, tg, s); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		TempPrefix + "half.click":    "partial",
		TempPrefix + DefaultListFile: "partial list",
		"orphan_1_all.click":         "a person's or a failed removal",
		"README":                     "not a click",
		"person_1_all.click":         "listed by a person",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeList(t, dir, "person_1_all.click", "dup_1_all.click", "ok_1_all.click", "gone_1_all.click", "dup_1_all.click", "nofile_1_all.click")
	if err := os.Remove(filepath.Join(dir, "noline_1_all.click")); err != nil {
		t.Fatal(err)
	}
	owned := []string{"ok_1_all.click", "dup_1_all.click", "noline_1_all.click", "nofile_1_all.click"}
	// Differences reports the same and repairs nothing, leaving temps to their owners.
	before := snapshot(t, dir)
	looked, err := Differences(ctx, tg, owned)
	if err != nil {
		t.Fatal(err)
	}
	wantLooked := []Difference{
		{DuplicateLine, "dup_1_all.click", false},
		{FileMissing, "nofile_1_all.click", false},
		{FileMissing, "noline_1_all.click", false},
		{FileWithoutLine, "orphan_1_all.click", false},
		{LineMissing, "noline_1_all.click", false},
		{LineWithoutFile, "gone_1_all.click", false},
	}
	if !slices.Equal(looked, wantLooked) {
		t.Fatalf("Differences =\n %v\nwant\n %v", looked, wantLooked)
	}
	assertSameFolder(t, snapshot(t, dir), before)
	got, err := Reconcile(ctx, tg, owned)
	if err != nil {
		t.Fatal(err)
	}
	want := []Difference{
		{DuplicateLine, "dup_1_all.click", true},
		{FileMissing, "nofile_1_all.click", false},
		{FileMissing, "noline_1_all.click", false},
		{FileWithoutLine, "orphan_1_all.click", false},
		{LineMissing, "noline_1_all.click", false},
		{LineWithoutFile, "gone_1_all.click", false},
		{StrayTemp, TempPrefix + "half.click", true},
		{StrayTemp, TempPrefix + DefaultListFile, true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Reconcile =\n %v\nwant\n %v", got, want)
	}
	mustEqualLines(t, readListFile(t, dir), "person_1_all.click", "dup_1_all.click", "ok_1_all.click", "gone_1_all.click", "nofile_1_all.click")
	assertNoTemps(t, dir)
	// Repaired things stay repaired; reported ones are reported again.
	again, err := Reconcile(ctx, tg, owned)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 5 {
		t.Fatalf("second Reconcile = %v", again)
	}
}
