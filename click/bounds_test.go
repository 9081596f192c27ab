package click

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// zeroBomb returns a gzip stream that inflates to a tar holding one file of size zero
// bytes. It is made of concatenated gzip members of 1 MiB of zeros each (gzip readers
// take multi-member streams), so a GiB-sized bomb costs a few milliseconds to make.
func zeroBomb(t testing.TB, name string, size int64) []byte {
	t.Helper()
	compress := func(p []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(p)
		zw.Close()
		return b.Bytes()
	}
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	tw.Flush() // the header only; the zeros (and the end-of-archive blocks) follow
	const chunk = 1 << 20
	oneMiB := compress(make([]byte, chunk))
	out := bytes.NewBuffer(compress(hdr.Bytes()))
	for left := size + 1024; left > 0; left -= chunk {
		if left < chunk {
			out.Write(compress(make([]byte, left)))
			break
		}
		out.Write(oneMiB)
	}
	return out.Bytes()
}

func TestGzipBombsAreRefusedQuickly(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name      string
		installed string // control and manifest Installed-Size, KiB
		opts      Options
		member    string // which member is the bomb
	}{
		{"data, small Installed-Size", "16", Options{}, "data.tar.gz"},
		{"data, Installed-Size that lies", fmt.Sprint(2 * gib / 1024), Options{}, "data.tar.gz"},
		{"data, over MaxDataBytes", fmt.Sprint(2 * gib / 1024), Options{MaxDataBytes: 64 << 20}, "data.tar.gz"},
		{"control", "16", Options{}, "control.tar.gz"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newHandClick()
			setField("Installed-Size", tt.installed)(c)
			c.Manifest["installed-size"] = tt.installed
			bomb := zeroBomb(t, "./zeros", gib)
			c.Members = func(m []arMember) []arMember {
				for j := range m {
					if m[j].Name == tt.member {
						m[j].Body = bomb
					}
				}
				return m
			}
			path := filepath.Join(dir, fmt.Sprintf("bomb%d.click", i))
			b := c.bytes(t)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}

			start := time.Now()
			info, err := InspectFile(path, tt.opts)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: refused in %v: %v", tt.name, elapsed, info.Problems)
			if elapsed >= time.Second {
				t.Errorf("took %v, want under a second", elapsed)
			}
			if !hasCode(info, CodeTooLarge) || !strings.Contains(messages(info, CodeTooLarge), "bomb") {
				t.Errorf("problems %v do not refuse it as a bomb", info.Problems)
			}
			if info.Size != int64(len(b)) {
				t.Errorf("read %d bytes of %d: Inspect must read to EOF", info.Size, len(b))
			}
		})
	}
}

// writeBigClick streams a click whose data.tar.gz holds one incompressible file of size
// bytes to path, without holding it in memory: data.tar.gz's ar size is patched in after.
func writeBigClick(t *testing.T, path string, size int64) {
	t.Helper()
	block := make([]byte, 1<<20)
	if _, err := rand.Read(block); err != nil {
		t.Fatal(err)
	}
	// Each 1 MiB block differs in its first bytes; deflate's 32 KiB window cannot see the
	// repetition anyway, and data.tar.gz is stored uncompressed.
	payload := func(w io.Writer) {
		for i := int64(0); i*int64(len(block)) < size; i++ {
			binary.LittleEndian.PutUint64(block, uint64(i))
			n := min(int64(len(block)), size-i*int64(len(block)))
			if _, err := w.Write(block[:n]); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum := md5.New()
	payload(sum)

	c := newHandClick()
	c.Data = []tarEntry{{Name: "./", Type: tar.TypeDir}, {Name: "./blob", Body: "placeholder"}}
	kib := fmt.Sprint(size/1024 + 16)
	setField("Installed-Size", kib)(c)
	c.Manifest["installed-size"] = kib
	md5sums := fmt.Sprintf("%x  blob\n", sum.Sum(nil))
	c.MD5Sums = &md5sums
	var head []byte
	c.Members = func(m []arMember) []arMember {
		m[3].Body = nil
		head = writeAr(m, false)
		return m
	}
	c.bytes(t)
	head = head[:len(head)-arHeaderSize] // data.tar.gz's header, rewritten below

	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(head)
	hdrAt := int64(len(head))
	f.Write(make([]byte, arHeaderSize))
	zw, _ := gzip.NewWriterLevel(f, gzip.NoCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "./blob", Typeflag: tar.TypeReg, Mode: 0o644, Size: size})
	payload(tw)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	end, _ := f.Seek(0, io.SeekCurrent)
	dataSize := end - hdrAt - arHeaderSize
	if dataSize%2 == 1 {
		f.Write([]byte{'\n'})
	}
	hdr := fmt.Sprintf("%-16s%-12d%-6d%-6d%-8s%-10d`\n", "data.tar.gz", 1700000000, 0, 0, "100644", dataSize)
	if _, err := f.WriteAt([]byte(hdr), hdrAt); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOneGiBClickInBoundedMemory(t *testing.T) {
	const (
		size   = 1 << 30
		maxRSS = 32 << 20
	)
	goTool := testenv.Tool(t, "go")
	dir := t.TempDir()
	bin := filepath.Join(dir, "clickinspect")
	// Built without -race, so the measurement is Inspect's and not the race detector's.
	if out, err := exec.Command(goTool, "build", "-o", bin, "stagebot/click/internal/clickinspect").CombinedOutput(); err != nil {
		t.Fatalf("go build clickinspect: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "com.example.big_1.0_armhf.click")
	writeBigClick(t, path, size)
	defer os.Remove(path) // a GiB on disk: gone as soon as the test is done with it
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-measure", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("clickinspect: %v\n%s", err, stderr.Bytes())
	}
	elapsed := time.Since(start)
	var result struct {
		MaxRSS int64
		Info   Info
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("clickinspect output: %v\n%s", err, out)
	}
	info, rss := result.Info, result.MaxRSS
	t.Logf("inspected %d bytes in %v, peak RSS %.1f MiB", st.Size(), elapsed, float64(rss)/(1<<20))
	if !info.OK() {
		t.Errorf("the big click was refused: %v", info.Problems)
	}
	if info.Size != st.Size() {
		t.Errorf("read %d bytes of %d", info.Size, st.Size())
	}
	if rss > maxRSS {
		t.Errorf("peak RSS %d bytes, want at most %d", rss, maxRSS)
	}
}
