package intake

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"stagebot/internal/clicktest"
)

// BenchmarkFetch: what `!stage` of a local 64 MiB click costs (copy, inspection, md5sums,
// sha256, the kept copy written back) against a plain copy of the same file to the same
// disk in the same run. `go test -bench Fetch -cpuprofile` shows where the time goes.
func BenchmarkFetch(b *testing.B) {
	blob := make([]byte, 64<<20)
	rand.Read(blob)
	clicks := b.TempDir()
	path := clicktest.Build(b, clicks, clicktest.Spec{Name: "com.example.bench", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all", Files: map[string]string{"blob": string(blob)}})
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(st.Size())
		dir := b.TempDir()
		for b.Loop() {
			in, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			out, err := os.Create(filepath.Join(dir, "copy"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(out, in); err != nil {
				b.Fatal(err)
			}
			out.Sync()
			out.Close()
			in.Close()
		}
	})
	b.Run("fetch", func(b *testing.B) {
		b.SetBytes(st.Size())
		f := &Fetcher{Dir: b.TempDir(), MaxBytes: 1 << 30}
		for b.Loop() {
			res, err := f.Fetch(b.Context(), Source{Kind: FromPath, Value: path})
			if err != nil || !res.Info.OK() {
				b.Fatalf("fetch: %v %+v", err, res)
			}
			os.Remove(res.Path)
		}
	})
}
