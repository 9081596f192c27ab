package asyncw

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestWriterKeepsOrderAndBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3*ChunkSize+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	var got bytes.Buffer
	w := New(&got)
	// Writes of every size, from 1 byte to several chunks.
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(2*ChunkSize))
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatal("bytes reordered or lost")
	}
}

func TestGroupFeedsEveryWriter(t *testing.T) {
	a, b := sha256.New(), sha256.New()
	g := NewGroup(a, b)
	g.Write([]byte("hello "))
	g.Write([]byte("world"))
	g.Close()
	want := sha256.Sum256([]byte("hello world"))
	if !bytes.Equal(a.Sum(nil), want[:]) || !bytes.Equal(b.Sum(nil), want[:]) {
		t.Fatal("a writer of the group missed bytes")
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriterReportsTheWritersError(t *testing.T) {
	w := New(&failAfter{n: ChunkSize})
	var err error
	for i := 0; i < 64 && err == nil; i++ {
		_, err = w.Write(make([]byte, ChunkSize))
	}
	cerr := w.Close()
	if cerr == nil || cerr.Error() != "disk full" {
		t.Fatalf("Close = %v, want disk full", cerr)
	}
	if err == nil {
		t.Fatal("Write kept accepting after the writer failed")
	}
}
