package writeback

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// dirtyPages is how many of f's pages wait to be written back, from the kernel's cachestat
// (Linux 6.5 and later).
func dirtyPages(t *testing.T, f *os.File) (dirty uint64, ok bool) {
	t.Helper()
	var st unix.Cachestat_t
	err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{Off: 0, Len: 0}, &st, 0)
	if errors.Is(err, unix.ENOSYS) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("cachestat: %v", err)
	}
	return st.Dirty, true
}

func TestDirtyPagesStayFew(t *testing.T) {
	for _, tc := range []struct {
		name      string
		writeback bool
		// bound on dirty bytes after writing total bytes in 1 MiB writes
		wantAtMost, wantOver int64
	}{
		{name: "written back", writeback: true, wantAtMost: 2*Chunk + 1<<20},
		// The control: without it the whole file stays dirty, which is what made bbolt's
		// commits wait; if this fails the machine writes back on its own and the other
		// case proves nothing.
		{name: "plain file", writeback: false, wantOver: 4 * Chunk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "big"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var w interface{ Write([]byte) (int, error) } = f
			if tc.writeback {
				w = New(f)
			}
			buf := make([]byte, 1<<20)
			var peak int64
			for i := 0; i < 8*Chunk>>20; i++ {
				if _, err := w.Write(buf); err != nil {
					t.Fatal(err)
				}
				d, ok := dirtyPages(t, f)
				if !ok {
					t.Skip("the kernel has no cachestat; dirty pages cannot be counted")
				}
				peak = max(peak, int64(d)*int64(os.Getpagesize()))
			}
			if tc.wantAtMost > 0 && peak > tc.wantAtMost {
				t.Errorf("up to %d MiB of the file was dirty at once, want at most %d MiB", peak>>20, tc.wantAtMost>>20)
			}
			if tc.wantOver > 0 && peak <= tc.wantOver {
				t.Errorf("only %d MiB dirty at once without writeback: this machine writes back on its own", peak>>20)
			}
		})
	}
}

func TestContentIsUnchanged(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("head")); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 3*Chunk+12345)
	if _, err := rand.Read(want); err != nil {
		t.Fatal(err)
	}
	w := New(f)
	// Odd sizes, so that chunk boundaries fall inside writes.
	for rest := want; len(rest) > 0; {
		n := min(len(rest), 777_777)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append([]byte("head"), want...)) {
		t.Fatal("the file read back differs from what was written")
	}
}
