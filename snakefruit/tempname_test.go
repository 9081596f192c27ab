package snakefruit

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testTwoProcessesEditTheList: two targets on one folder (two processes' worth: each with
// its own locks) edit the list at once. The second writes its temp file after the first
// wrote and checked its own, and before the first renames it into place. Neither may
// rename the other's content: both lines land, each writer having used its own temp.
func testTwoProcessesEditTheList(t *testing.T, mk targetMaker) {
	ctx := testContext(t)
	first, dir := mk(t)
	writeList(t, dir, "person_1_all.click")
	inner := first.(*target)
	second := newTarget(inner.fs, inner.list) // the same folder, another process's target

	var (
		mu    sync.Mutex
		temps = map[string]map[string]bool{} // by writer, the temp files it wrote
	)
	noteTemp := func(who, op, name string) {
		if op == "writeFile" && isTemp(name) {
			mu.Lock()
			if temps[who] == nil {
				temps[who] = map[string]bool{}
			}
			temps[who][name] = true
			mu.Unlock()
		}
	}
	secondWrote := make(chan struct{})  // the second wrote its temp and is about to re-read
	firstRenamed := make(chan struct{}) // the first's EditList returned
	secondDone := make(chan error, 1)
	reads := 0
	second.fs = &faultFS{inner: inner.fs, before: func(op, name string) {
		noteTemp("second", op, name)
		if op == "readSmall" && name == DefaultListFile {
			if reads++; reads == 2 {
				close(secondWrote)
				<-firstRenamed
			}
		}
	}}
	started := false
	inner.fs = &faultFS{inner: inner.fs, before: func(op, name string) {
		noteTemp("first", op, name)
		if op == "rename" && !started {
			started = true
			go func() {
				secondDone <- second.EditList(ctx, appendLine("second_1_all.click"))
			}()
			select {
			case <-secondWrote:
			case err := <-secondDone:
				t.Errorf("the second edit ended before the first renamed: %v", err)
			}
		}
	}}
	err := first.EditList(ctx, appendLine("first_1_all.click"))
	close(firstRenamed)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-secondDone; err != nil {
		t.Fatal(err)
	}
	mustEqualLines(t, readListFile(t, dir), "person_1_all.click", "first_1_all.click", "second_1_all.click")
	assertNoTemps(t, dir)
	mu.Lock()
	defer mu.Unlock()
	if len(temps["first"]) == 0 || len(temps["second"]) == 0 {
		t.Fatalf("temp files written: %v; want some by each writer", temps)
	}
	for tmp := range temps["first"] {
		if temps["second"][tmp] {
			t.Errorf("both writers wrote temp file %q", tmp)
		}
	}
	for _, byWriter := range temps {
		for tmp := range byWriter {
			if !isTempOf(tmp, DefaultListFile) {
				t.Errorf("temp file %q is not a temp of the list", tmp)
			}
		}
	}
}

// appendLine is an edit that adds line once.
func appendLine(line string) func([]string) ([]string, error) {
	return func(lines []string) ([]string, error) {
		if slices.Contains(lines, line) {
			return lines, nil
		}
		return append(lines, line), nil
	}
}

func TestTempNames(t *testing.T) {
	tg := newTarget(nil, DefaultListFile)
	seen := map[string]bool{}
	for _, name := range []string{"foo_1_all.click", "foo_1_all.click", "meta/list", "meta/list", "we[i]rd*?.click"} {
		tmp, done := tg.tempName(name)
		defer done()
		if seen[tmp] {
			t.Errorf("tempName(%q) = %q twice", name, tmp)
		}
		seen[tmp] = true
		if !isTemp(tmp) || !isTempOf(tmp, name) {
			t.Errorf("tempName(%q) = %q: not recognised as its temp", name, tmp)
		}
		if filepath.Dir(tmp) != filepath.Dir(name) {
			t.Errorf("tempName(%q) = %q: not beside it", name, tmp)
		}
		if ok, err := filepath.Match(TempPattern(name), tmp); !ok || err != nil {
			t.Errorf("TempPattern(%q) = %q does not match %q (%v)", name, TempPattern(name), tmp, err)
		}
	}
	foo, done := tg.tempName("foo_1_all.click")
	defer done()
	ax, done := tg.tempName("a/x")
	defer done()
	if isTempOf(foo, "foo_1_all.clic") || isTempOf(ax, "x") {
		t.Error("a temp taken for another name's")
	}
	if strings.Contains(TempPattern("a*b"), "a*b") {
		t.Errorf("TempPattern does not escape metacharacters: %q", TempPattern("a*b"))
	}
}
