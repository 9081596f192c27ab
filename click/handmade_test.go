package click

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// arMember is one member of a hand-made click.
type arMember struct {
	Name string
	Body []byte
}

// writeAr is the tiny ar writer the hand-made corpus needs: click build's layout (bare
// names, mode 100644, uid/gid 0), or GNU ar's "name/" when gnuNames is set.
func writeAr(members []arMember, gnuNames bool) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		name := m.Name
		if gnuNames {
			name += "/"
		}
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 1700000000, 0, 0, "100644", len(m.Body))
		b.Write(m.Body)
		if len(m.Body)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// deleted marks a manifest key a test removed, so that defaults are not filled back in.
type deleted struct{}

// tarEntry is one entry of a hand-made control or data tarball.
type tarEntry struct {
	Name string
	Type byte // tar.TypeReg when zero
	Body string
	Link string
}

func tarGz(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Mode: 0o644, Linkname: e.Link, Format: tar.FormatGNU}
		switch e.Type {
		case 0:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.Body))
		case tar.TypeDir:
			h.Mode = 0o755
		case tar.TypeChar, tar.TypeBlock:
			h.Devmajor, h.Devminor = 1, 3
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %s: %v", e.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// handClick is a click assembled in Go, field by field, so that a test can break exactly
// one rule. newHandClick gives one that click verify and Inspect both accept.
type handClick struct {
	Manifest     map[string]any
	Fields       [][2]string // control fields in order; "auto" Installed-Size is computed
	ControlFiles []tarEntry  // besides control, manifest and md5sums
	NoManifest   bool
	MD5Sums      *string // nil: computed from Data
	NoMD5Sums    bool
	Data         []tarEntry
	DebianBinary string
	ClickBinary  string
	GNUNames     bool
	// Members, when set, rewrites the ar member list before it is written.
	Members func([]arMember) []arMember
}

func newHandClick() *handClick {
	return &handClick{
		Manifest: map[string]any{
			"name": "com.example.hand", "version": "1.0", "framework": "ubuntu-sdk-15.04",
			"architecture": "armhf", "title": "Hand made", "maintainer": "Tests <t@example.invalid>",
			"hooks": map[string]any{},
		},
		ControlFiles: []tarEntry{{Name: "./preinst", Body: staticPreinsts[2]}},
		Data: []tarEntry{
			{Name: "./", Type: tar.TypeDir},
			{Name: "./bin/", Type: tar.TypeDir},
			{Name: "./bin/app", Body: "#!/bin/sh\necho hello\n"},
			{Name: "./README", Body: "hand-made click for tests\n"},
		},
		DebianBinary: "2.0\n",
		ClickBinary:  "0.4\n",
	}
}

func (c *handClick) installedKiB() int64 {
	total := int64(3 * 4096) // the build dir, data/ and DEBIAN/, as click build's du sees them
	for _, e := range c.Data {
		if e.Type == tar.TypeDir {
			total += 4096
		}
		total += int64(len(e.Body))
	}
	return (total + 1023) / 1024
}

func (c *handClick) bytes(t testing.TB) []byte {
	t.Helper()
	size := fmt.Sprint(c.installedKiB())
	if _, ok := c.Manifest["installed-size"]; !ok {
		c.Manifest["installed-size"] = size
	}
	str := func(k string) string { s, _ := c.Manifest[k].(string); return s }
	arch := "all"
	switch a := c.Manifest["architecture"].(type) {
	case string:
		arch = a
	case []any, []string:
		arch = "multi"
	}
	fields := c.Fields
	if fields == nil {
		fields = [][2]string{
			{"Package", str("name")}, {"Version", str("version")}, {"Click-Version", "0.4"},
			{"Architecture", arch}, {"Maintainer", str("maintainer")},
			{"Installed-Size", "auto"}, {"Description", str("title")},
		}
	}
	var control strings.Builder
	for _, f := range fields {
		if f[1] == "auto" {
			f[1] = size
		}
		fmt.Fprintf(&control, "%s: %s\n", f[0], f[1])
	}
	entries := []tarEntry{{Name: "./", Type: tar.TypeDir}, {Name: "./control", Body: control.String()}}
	if !c.NoManifest {
		manifest := map[string]any{}
		for k, v := range c.Manifest {
			if _, gone := v.(deleted); !gone {
				manifest[k] = v
			}
		}
		m, err := json.MarshalIndent(manifest, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, tarEntry{Name: "./manifest", Body: string(m) + "\n"})
	}
	sums := c.MD5Sums
	if sums == nil {
		var lines []string
		for _, e := range c.Data {
			if e.Type == 0 {
				lines = append(lines, fmt.Sprintf("%x  %s", md5.Sum([]byte(e.Body)), strings.TrimPrefix(e.Name, "./")))
			}
		}
		sort.Strings(lines)
		s := strings.Join(lines, "\n") + "\n"
		sums = &s
	}
	if !c.NoMD5Sums {
		entries = append(entries, tarEntry{Name: "./md5sums", Body: *sums})
	}
	entries = append(entries, c.ControlFiles...)
	members := []arMember{
		{"debian-binary", []byte(c.DebianBinary)},
		{"_click-binary", []byte(c.ClickBinary)},
		{"control.tar.gz", tarGz(t, entries)},
		{"data.tar.gz", tarGz(t, c.Data)},
	}
	if c.Members != nil {
		members = c.Members(members)
	}
	return writeAr(members, c.GNUNames)
}

// write stores the click under the name click build would give it (or "hand.click" when
// the manifest cannot name it) and returns its path.
func (c *handClick) write(t testing.TB, dir string) string {
	t.Helper()
	b := c.bytes(t)
	name, _ := c.Manifest["name"].(string)
	version, _ := c.Manifest["version"].(string)
	file := "hand.click"
	if name != "" && version != "" && !strings.ContainsAny(name+version, "/") {
		file = Filename(name, version, "x")
	}
	p := filepath.Join(dir, file)
	for i := 0; ; i++ { // corpus cases share a directory; keep names unique
		if _, err := os.Stat(p); os.IsNotExist(err) {
			break
		}
		p = filepath.Join(dir, fmt.Sprintf("%d-%s", i, file))
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func without(members []arMember, name string) []arMember {
	var out []arMember
	for _, m := range members {
		if m.Name != name {
			out = append(out, m)
		}
	}
	return out
}
