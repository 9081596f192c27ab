package click

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/md5"
	"io"
	"path"
	"sort"
	"strings"

	"stagebot/internal/asyncw"

	"stagebot"
)

const (
	// maxDataEntries bounds the work (and problems) a data area made only of headers can cause.
	maxDataEntries = 1 << 18
	// entryOverhead is what a tar entry may add beyond its content: a header, GNU long-name
	// or PAX records for a path of up to 4 KiB, and block padding.
	entryOverhead = 8 << 10
	maxPathLen    = 4096
	// installedSlack covers du rounding in click build's Installed-Size.
	installedSlack = 1 << 20
	// A click whose Installed-Size is itself a lie is caught by density instead: past
	// ratioFloor inflated bytes, more than maxRatio:1 is refused. Deflate tops out near
	// 1032:1 on zeros; real app payloads (code, images, QML) stay far below 100:1.
	ratioFloor = 8 << 20
	maxRatio   = 200
	// asyncMD5Size is the file size from which its md5 gets a goroutine of its own.
	asyncMD5Size = 4 << 20
)

// readData streams data.tar.gz once: it checks every path, and the md5 of every file
// md5sums lists, without keeping file contents.
func (in *inspection) readData(r io.Reader, size int64) {
	raw := &countingReader{r: r}
	zr, err := gzip.NewReader(bufio.NewReaderSize(raw, readBufferSize(size)))
	if err != nil {
		in.problem(CodeData, "data.tar.gz is not gzip data: %v", err)
		return
	}
	maxData := in.opts.maxData()
	// Installed-Size (from click build's du) bounds the file contents; with it a bomb is
	// refused at its first oversized header instead of after MaxDataBytes of inflating.
	content := maxData
	if in.info.InstalledSize > 0 && in.info.InstalledSize < maxData/1024 {
		content = min(maxData, in.info.InstalledSize*1024+installedSlack)
	}
	var entries, declared int64
	lr := &limitedReader{r: zr}
	lr.limit = func() int64 { return min(maxData, content+(entries+1)*entryOverhead) }
	lr.tooDense = func(n int64) bool { return n > ratioFloor && n > raw.n*maxRatio }
	tr := tar.NewReader(lr)
	var sums map[string]*md5Entry
	if in.control != nil {
		sums = in.control.md5
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			in.dataError(err, maxData, content)
			return
		}
		entries++
		if entries > maxDataEntries {
			in.problem(CodeTooLarge, "data.tar.gz has more than %d entries: refused", maxDataEntries)
			return
		}
		declared += max(h.Size, 0)
		if declared > content {
			if content < maxData {
				in.problem(CodeTooLarge, "data.tar.gz holds more than the %s Installed-Size declares (%q alone is %s): refused as a possible decompression bomb", stagebot.FormatSize(int64(in.info.InstalledSize)*1024), h.Name, stagebot.FormatSize(h.Size))
			} else {
				in.problem(CodeTooLarge, "data.tar.gz holds more than %s (%q alone is %s): refused as a possible decompression bomb", stagebot.FormatSize(int64(maxData)), h.Name, stagebot.FormatSize(h.Size))
			}
			return
		}
		in.checkDataEntry(h)
		e := sums[normalizePath(h.Name)]
		if e == nil {
			continue
		}
		e.seen = true
		switch h.Typeflag {
		case tar.TypeReg: // the reader turns the legacy TypeRegA into TypeReg
			sum := md5.New()
			var w io.Writer = sum
			if h.Size >= asyncMD5Size {
				// A big file's md5 runs beside the inflating instead of after it.
				g := asyncw.NewGroup(sum)
				w = g
			}
			_, err := io.CopyBuffer(w, tr, in.buf)
			if g, ok := w.(asyncw.Group); ok {
				g.Close()
			}
			if err != nil {
				in.dataError(err, maxData, content)
				return
			}
			copy(e.got[:], sum.Sum(nil))
			e.computed = true
		case tar.TypeSymlink:
			if !strings.HasPrefix(h.Linkname, "/") {
				e.link = path.Join(path.Dir(normalizePath(h.Name)), h.Linkname)
			}
		case tar.TypeLink:
			e.link = normalizePath(h.Linkname)
		}
	}
	in.checkMD5Sums(sums)
}

func (in *inspection) dataError(err error, maxData, content int64) {
	in.tarProblem(CodeData, "data.tar.gz", err, min(maxData, content))
}

// checkDataEntry applies click's rule (every path is "." or starts with "./", which dpkg's
// path filtering assumes) and stagebot's stricter ones: no "..", no device nodes.
func (in *inspection) checkDataEntry(h *tar.Header) {
	name := h.Name
	switch {
	case len(name) > maxPathLen:
		in.problem(CodeData, "data path %q... is longer than %d bytes", name[:40], maxPathLen)
		return
	case name != "." && !strings.HasPrefix(name, "./"):
		in.problem(CodeData, "data path %q does not start with \"./\"", name)
		return
	case hasDotDot(name):
		in.problem(CodeData, "data path %q contains \"..\"", name)
		return
	}
	switch h.Typeflag {
	case tar.TypeChar, tar.TypeBlock:
		in.problem(CodeData, "data path %q is a device node", name)
	case tar.TypeLink:
		if strings.HasPrefix(h.Linkname, "/") || hasDotDot(h.Linkname) {
			in.problem(CodeData, "data path %q is a hard link to %q, outside the package", name, h.Linkname)
		}
	}
}

func hasDotDot(p string) bool {
	for _, s := range strings.Split(p, "/") {
		if s == ".." {
			return true
		}
	}
	return false
}

// checkMD5Sums compares what md5sum -c would: every listed path must exist and match.
// Links are followed within the package; a link whose target's sum is unknown here (not
// listed, or outside the package) is not held against the click.
func (in *inspection) checkMD5Sums(sums map[string]*md5Entry) {
	paths := make([]string, 0, len(sums))
	for p := range sums {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		e := sums[p]
		if !e.seen {
			in.problem(CodeMD5Sums, "md5sums lists %q, which is not in data.tar.gz", p)
			continue
		}
		target := e
		for hops := 0; target != nil && target.link != "" && hops < 8; hops++ {
			target = sums[target.link]
		}
		if target == nil || !target.computed {
			continue
		}
		if target.got != e.want {
			in.problem(CodeMD5Sums, "md5sum of %q does not match md5sums", p)
		}
	}
}
