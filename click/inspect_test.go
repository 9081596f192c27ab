package click

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInspectReadsToEOFWhateverItFinds(t *testing.T) {
	valid := newHandClick().bytes(t)
	tests := []struct {
		name string
		data []byte
	}{
		{"not ar, long", bytes.Repeat([]byte("garbage "), 1<<17)},
		{"empty", nil},
		{"truncated", valid[:len(valid)/2]},
		{"trailing junk", append(append([]byte{}, valid...), bytes.Repeat([]byte{0}, 4096)...)},
		{"valid", valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(tt.data)
			info, err := Inspect(r, Options{SHA512: true})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if r.Len() != 0 || info.Size != int64(len(tt.data)) {
				t.Errorf("left %d bytes unread; Size %d of %d", r.Len(), info.Size, len(tt.data))
			}
			if plain, err := Inspect(bytes.NewReader(tt.data), Options{}); err != nil || plain.SHA512 != "" || plain.SHA256 != info.SHA256 {
				t.Errorf("without Options.SHA512: sha512 %q (err %v), sha256 %s", plain.SHA512, err, plain.SHA256)
			}
			sum := sha512.Sum512(tt.data)
			if info.SHA512 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA512 is not the hash of the whole stream")
			}
			if tt.name != "valid" && info.OK() {
				t.Errorf("accepted")
			}
		})
	}
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestInspectReturnsOnlyReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	valid := newHandClick().bytes(t)
	for _, cut := range []int{0, 30, len(valid) / 2, len(valid)} {
		_, err := Inspect(&failingReader{bytes.NewReader(valid[:cut]), boom}, Options{})
		if !errors.Is(err, boom) {
			t.Errorf("cut at %d: error %v, want %v", cut, err, boom)
		}
	}
	if _, err := InspectFile(filepath.Join(t.TempDir(), "missing.click"), Options{}); err == nil {
		t.Error("InspectFile of a missing file: no error")
	}
	if _, err := InspectFile(t.TempDir(), Options{}); err == nil {
		t.Error("InspectFile of a directory: no error")
	}
}

func TestInfoDescribesTheClick(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*handClick)
		filename  string
		fileArch  string
		arches    []string
		stable    []string
		needsFWs  []string
		framework string
	}{
		{"single arch", func(*handClick) {}, "com.example.hand_1.0_armhf.click", "armhf", []string{"armhf"},
			[]string{"ubuntu-sdk-15.04"}, nil, "ubuntu-sdk-15.04"},
		{"epoch and list", func(c *handClick) {
			c.Manifest["version"] = "2:1.0-1"
			c.Manifest["architecture"] = []string{"armhf", "arm64"}
			c.Manifest["framework"] = "ubuntu-sdk-15.04, ubuntu-sdk-16.04-html"
		}, "com.example.hand_1.0-1_multi.click", "multi", []string{"armhf", "arm64"},
			[]string{"ubuntu-sdk-15.04"}, []string{"ubuntu-sdk-16.04-html"}, "ubuntu-sdk-15.04, ubuntu-sdk-16.04-html"},
		{"all, no stable list", func(c *handClick) { c.Manifest["architecture"] = "all" },
			"com.example.hand_1.0_all.click", "all", []string{"all"}, nil, nil, "ubuntu-sdk-15.04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newHandClick()
			tt.edit(c)
			data := c.bytes(t)
			info, err := Inspect(bytes.NewReader(data), Options{StableFrameworks: tt.stable})
			if err != nil {
				t.Fatal(err)
			}
			if !info.OK() {
				t.Fatalf("problems: %v", info.Problems)
			}
			sum := sha256.Sum256(data)
			switch {
			case info.Filename != tt.filename:
				t.Errorf("Filename %q, want %q", info.Filename, tt.filename)
			case info.FileArch != tt.fileArch || !slices.Equal(info.Architectures, tt.arches):
				t.Errorf("arch %q %v, want %q %v", info.FileArch, info.Architectures, tt.fileArch, tt.arches)
			case !slices.Equal(info.NeedsFrameworks, tt.needsFWs):
				t.Errorf("NeedsFrameworks %v, want %v", info.NeedsFrameworks, tt.needsFWs)
			case info.Framework != tt.framework:
				t.Errorf("Framework %q", info.Framework)
			case info.SHA256 != hex.EncodeToString(sum[:]):
				t.Errorf("SHA256 %s", info.SHA256)
			case info.InstalledSize != c.installedKiB() || info.Title != "Hand made" || info.Maintainer == "":
				t.Errorf("InstalledSize %d Title %q Maintainer %q", info.InstalledSize, info.Title, info.Maintainer)
			case info.Signature != nil:
				t.Errorf("Signature %+v on an unsigned click", info.Signature)
			}
		})
	}
}

func TestFormatNamesEverything(t *testing.T) {
	c := newHandClick()
	c.Manifest["name"] = "com.example.bad_name"
	setField("Depends", "libc6")(c)
	info, err := Inspect(bytes.NewReader(c.bytes(t)), Options{SHA512: true})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	info.Format(&out)
	want := []string{"com.example.bad_name", "1.0", "armhf", "ubuntu-sdk-15.04", "bytes", info.SHA512, "signature:", "REJECTED"}
	for _, p := range info.Problems {
		want = append(want, p.Message)
	}
	if len(info.Problems) < 2 {
		t.Fatalf("expected two problems, got %v", info.Problems)
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, out.String())
		}
	}
}
