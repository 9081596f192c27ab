package click

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"

	"stagebot"
)

// controlArea holds the few control files Inspect needs; everything else in control.tar.gz
// is read past without being kept.
type controlArea struct {
	files  map[string]string // control, manifest, md5sums and maintainer scripts, by base name
	fields map[string]string // parsed control file, lower-case keys
	md5    map[string]*md5Entry
}

// kept are the control files read into memory (all bounded by MaxControlBytes).
var kept = map[string]bool{"control": true, "manifest": true, "md5sums": true,
	"preinst": true, "postinst": true, "prerm": true, "postrm": true, "config": true}

// click's preinst.py: the one maintainer script click allows, in its three historical texts.
var staticPreinsts = []string{
	"#! /bin/sh\necho \"Click packages may not be installed directly using dpkg.\"\necho \"Use click-install instead.\"\nexit 1\n",
	"#! /bin/sh\necho \"Click packages may not be installed directly using dpkg.\"\necho \"Use 'click-package install' instead.\"\nexit 1\n",
	"#! /bin/sh\necho \"Click packages may not be installed directly using dpkg.\"\necho \"Use 'click install' instead.\"\nexit 1\n",
}

// The fields click install's audit refuses.
var forbiddenFields = []string{"Pre-Depends", "Depends", "Recommends", "Suggests", "Enhances", "Conflicts", "Breaks", "Provides"}

var requiredFields = []string{"Package", "Version", "Click-Version", "Architecture", "Maintainer", "Installed-Size", "Description"}

var (
	errTooLarge = errors.New("decompression limit reached")
	errRatio    = errors.New("compression ratio limit reached")
)

// limitedReader fails with errTooLarge (or errRatio) instead of returning a short stream,
// so a bomb is told apart from a truncated archive.
type limitedReader struct {
	r     io.Reader
	n     int64
	limit func() int64
	// tooDense, when set, reports whether n inflated bytes are implausibly many for the
	// compressed bytes read so far.
	tooDense func(n int64) bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	room := l.limit() - l.n
	if room <= 0 {
		return 0, errTooLarge
	}
	if l.tooDense != nil && l.tooDense(l.n) {
		return 0, errRatio
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// countingReader counts the compressed bytes a gzip reader consumes.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (in *inspection) readControl(r io.Reader, size int64) *controlArea {
	c := &controlArea{files: map[string]string{}}
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, readBufferSize(size)))
	if err != nil {
		in.problem(CodeControl, "control.tar.gz is not gzip data: %v", err)
		return c
	}
	max := in.opts.maxControl()
	lr := &limitedReader{r: zr, limit: func() int64 { return max }}
	tr := tar.NewReader(lr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			in.tarProblem(CodeControl, "control.tar.gz", err, max)
			return c
		}
		name := strings.TrimPrefix(h.Name, "./")
		if !kept[name] || (h.Typeflag != tar.TypeReg) {
			continue
		}
		var b strings.Builder
		if _, err := io.CopyBuffer(&b, tr, in.buf); err != nil {
			in.tarProblem(CodeControl, "control.tar.gz", err, max)
			return c
		}
		c.files[name] = b.String()
	}
	return c
}

func (in *inspection) tarProblem(code, member string, err error, limit int64) {
	if errors.Is(err, errRatio) {
		in.problem(CodeTooLarge, "%s inflates more than %d:1 past %d MiB: refused as a possible decompression bomb", member, maxRatio, ratioFloor>>20)
		return
	}
	if errors.Is(err, errTooLarge) {
		in.problem(CodeTooLarge, "%s unpacks to more than %s: refused as a possible decompression bomb", member, stagebot.FormatSize(int64(limit)))
		return
	}
	in.problem(code, "%s is not a readable tar.gz: %v", member, err)
}

func (in *inspection) checkControl() {
	c, info := in.control, in.info
	text, ok := c.files["control"]
	if !ok {
		in.problem(CodeControl, "control.tar.gz has no control file")
	} else if fields, err := parseControlFields(text); err != nil {
		in.problem(CodeControl, "control file: %v", err)
	} else {
		c.fields = fields
		for _, f := range requiredFields {
			if _, ok := fields[strings.ToLower(f)]; !ok {
				in.problem(CodeControl, "control field %s is missing", f)
			}
		}
		for _, f := range forbiddenFields {
			if _, ok := fields[strings.ToLower(f)]; ok {
				in.problem(CodeForbidden, "control field %s is forbidden in click packages", f)
			}
		}
		if v, ok := fields["click-version"]; ok {
			if cmp, err := CompareVersions(v, maxClickVersion); err != nil {
				in.problem(CodeControl, "Click-Version %q is not a version", v)
			} else if cmp > 0 {
				in.problem(CodeControl, "Click-Version %s is newer than the supported %s", v, maxClickVersion)
			}
		}
		if v, ok := fields["installed-size"]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				in.problem(CodeInstalledSize, "control field Installed-Size %q is not a number of KiB", v)
			} else {
				info.InstalledSize = n
			}
		}
		info.Maintainer = fields["maintainer"]
	}

	for _, script := range []string{"preinst", "postinst", "prerm", "postrm", "config"} {
		body, ok := c.files[script]
		if !ok {
			continue
		}
		if script == "preinst" && isStaticPreinst(body) {
			continue
		}
		if script == "preinst" {
			in.problem(CodeScript, "preinst is not click's static preinst")
			continue
		}
		in.problem(CodeScript, "maintainer script %s is forbidden in click packages", script)
	}

	if m, ok := c.files["manifest"]; ok {
		in.checkManifest(m)
	} else {
		in.problem(CodeManifest, "control.tar.gz has no manifest")
	}

	if sums, ok := c.files["md5sums"]; ok {
		c.md5 = parseMD5Sums(sums)
		if len(c.md5) == 0 {
			// md5sum -c, which click verify runs, fails on a list without one checksum line.
			in.problem(CodeMD5Sums, "md5sums has no checksum lines")
		}
	} else {
		in.problem(CodeMD5Sums, "control.tar.gz has no md5sums")
	}
}

func isStaticPreinst(body string) bool {
	for _, s := range staticPreinsts {
		if body == s {
			return true
		}
	}
	return false
}

type md5Entry struct {
	want, got [16]byte
	seen      bool   // a data entry of this path exists
	computed  bool   // got holds the md5 of its content
	link      string // for links: the path whose content md5sum -c would read
}

// parseMD5Sums reads md5sum's "HASH  PATH" / "HASH *PATH" lines. Like md5sum -c (without
// --strict), which click verify runs, it ignores lines it cannot read.
func parseMD5Sums(text string) map[string]*md5Entry {
	m := map[string]*md5Entry{}
	for _, line := range strings.Split(text, "\n") {
		if len(line) < 35 || (line[33] != ' ' && line[33] != '*') || line[32] != ' ' {
			continue
		}
		sum, err := hex.DecodeString(line[:32])
		if err != nil {
			continue
		}
		path := normalizePath(line[34:])
		e := &md5Entry{}
		copy(e.want[:], sum)
		m[path] = e
	}
	return m
}

// normalizePath turns "./a/b", "a/b" and "a//b" into "a/b", the key md5sums and data share.
func normalizePath(p string) string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}
