package click

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func FuzzArReader(f *testing.F) {
	f.Add(writeAr([]arMember{{"debian-binary", []byte("2.0\n")}, {"_click-binary", []byte("0.4\n")}}, false))
	f.Add(writeAr([]arMember{{"odd", []byte("abc")}, {"even", []byte("ab")}}, true))
	f.Add([]byte("!<arch>\n"))
	f.Add([]byte("!<arch>\ndebian-binary   1700000000  0     0     100644  -1        `\n"))
	f.Add([]byte("not an archive"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ar := newArReader(bytes.NewReader(data))
		var consumed int64 = int64(len(arMagic))
		for {
			h, err := ar.Next()
			if err != nil {
				return
			}
			if h.Size < 0 || h.Name == "" {
				t.Fatalf("bad header %+v", h)
			}
			n, err := io.Copy(io.Discard, ar)
			if err == nil && n != h.Size {
				t.Fatalf("member %q: read %d bytes, header says %d", h.Name, n, h.Size)
			}
			consumed += arHeaderSize + n
			if consumed > int64(len(data)) {
				t.Fatalf("read %d bytes from %d", consumed, len(data))
			}
			if err != nil {
				return
			}
		}
	})
}

func FuzzControlAndManifest(f *testing.F) {
	f.Add("Package: com.example.hand\nVersion: 1.0\nClick-Version: 0.4\nArchitecture: armhf\nMaintainer: T <t@e>\nInstalled-Size: 12\nDescription: x\n",
		`{"name": "com.example.hand", "version": "1.0", "framework": "ubuntu-sdk-15.04", "installed-size": "12", "architecture": "armhf"}`)
	f.Add("Package: a\n continued\n .\nDepends: b\n", `{"name": "a_b", "version": "1:2-3", "framework": "x, y", "architecture": ["armhf", "arm64"], "installed-size": 5}`)
	f.Add("#comment\n\nbroken line\n", `[1, 2]`)
	f.Add("", `{"name": 1, "version": null, "framework": "a | b", "architecture": 7}`)
	f.Fuzz(func(t *testing.T, control, manifest string) {
		in := &inspection{info: &Info{}, control: &controlArea{files: map[string]string{
			"control": control, "manifest": manifest, "md5sums": "",
		}}, opts: Options{StableFrameworks: []string{"ubuntu-sdk-15.04"}}}
		in.checkControl()
		info := in.info
		if info.Filename != "" && info.OK() {
			if strings.Count(info.Filename, "_") != 2 || strings.Contains(info.Filename, "/") || !strings.HasSuffix(info.Filename, ".click") {
				t.Fatalf("accepted manifest gives filename %q", info.Filename)
			}
		}
		for _, p := range info.Problems {
			if p.Code == "" || p.Message == "" {
				t.Fatalf("empty problem %+v", p)
			}
		}
	})
}

func FuzzVersion(f *testing.F) {
	for _, p := range versionPairs {
		f.Add(p[0], p[1])
	}
	f.Add("1:", "")
	f.Add("99999999999999999999:1", "1.0-")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, errA := CompareVersions(a, b)
		ba, errB := CompareVersions(b, a)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("CompareVersions(%q, %q) error %v but reversed %v", a, b, errA, errB)
		}
		if errA != nil {
			return
		}
		if sign(ab) != -sign(ba) {
			t.Fatalf("CompareVersions(%q, %q) = %d but reversed %d", a, b, ab, ba)
		}
		if aa, err := CompareVersions(a, a); err != nil || aa != 0 {
			t.Fatalf("CompareVersions(%q, itself) = %d, %v", a, aa, err)
		}
		if strings.Contains(epochless(a), ":") && !strings.Contains(a[strings.Index(a, ":")+1:], ":") {
			t.Fatalf("epochless(%q) = %q keeps the epoch", a, epochless(a))
		}
	})
}

func FuzzInspect(f *testing.F) {
	f.Add(newHandClick().bytes(f))
	gnu := newHandClick()
	gnu.GNUNames = true
	f.Add(gnu.bytes(f))
	f.Add([]byte("!<arch>\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Inspect(bytes.NewReader(data), Options{MaxControlBytes: 64 << 10, MaxDataBytes: 256 << 10})
		if err != nil {
			t.Fatalf("Inspect of an in-memory stream returned an error: %v", err)
		}
		if info.Size != int64(len(data)) {
			t.Fatalf("read %d of %d bytes", info.Size, len(data))
		}
	})
}
