package writeback

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// withSync makes fn the flusher's way to flush for the rest of the test.
func withSync(t *testing.T, fn func(*os.File) error) {
	t.Helper()
	old := syncFile.Load()
	syncFile.Store(&fn)
	t.Cleanup(func() { syncFile.Store(old) })
}

func writeChunks(t *testing.T, w *File, chunks int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for i := 0; i < chunks*Chunk/len(buf); i++ {
		if _, err := w.Write(buf); err != nil {
			t.Error(err)
			return
		}
	}
}

// Written back is not flushed: without a flush of the disk's cache the next bbolt commit
// pays for every chunk written since the last one.
func TestChunksAskForAFlush(t *testing.T) {
	flushed := make(chan *os.File, 16)
	withSync(t, func(f *os.File) error {
		flushed <- f
		return nil
	})
	f, err := os.Create(filepath.Join(t.TempDir(), "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := New(f)
	writeChunks(t, w, 1)
	select {
	case got := <-flushed:
		if got != f {
			t.Errorf("the flush was made on %s, want the file written, %s", got.Name(), f.Name())
		}
	case <-time.After(testenv.Wait):
		t.Fatal("a whole chunk was written and no flush was asked for")
	}
}

// The flush is made behind the writer: a download never waits for the disk's cache.
func TestWriterNeverWaitsForAFlush(t *testing.T) {
	release := make(chan struct{})
	calls := make(chan struct{}, 64)
	withSync(t, func(*os.File) error {
		calls <- struct{}{}
		<-release
		return nil
	})
	f, err := os.Create(filepath.Join(t.TempDir(), "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		writeChunks(t, New(f), 6)
	}()
	select {
	case <-done:
	case <-time.After(testenv.Wait):
		close(release)
		t.Fatal("the writer waited for a flush that was held")
	}
	select {
	case <-calls:
	case <-time.After(testenv.Wait):
		t.Fatal("six chunks were written and no flush was asked for")
	}
	close(release)
}
