package click

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pault.ag/go/debian/deb's ar reader needs an io.ReaderAt (it seeks to each member), and
// Inspect gets a one-pass stream, so this is a small forward-only reader instead. It accepts
// both member-name styles seen in the wild: click build's bare names and GNU ar's "name/".

const (
	arMagic      = "!<arch>\n"
	arHeaderSize = 60
)

var errNotAr = errors.New("not an ar archive")

type arHeader struct {
	Name string
	Size int64
}

type arReader struct {
	r         io.Reader
	remaining int64 // bytes of the current member not yet read
	pad       bool  // an odd-sized member is followed by one '\n'
	started   bool
}

func newArReader(r io.Reader) *arReader { return &arReader{r: r} }

// Next skips what is left of the current member and returns the next header, io.EOF at a
// clean end, io.ErrUnexpectedEOF when the stream stops inside a header or member.
func (a *arReader) Next() (*arHeader, error) {
	if !a.started {
		a.started = true
		var magic [len(arMagic)]byte
		if _, err := io.ReadFull(a.r, magic[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, errNotAr
			}
			return nil, err
		}
		if string(magic[:]) != arMagic {
			return nil, errNotAr
		}
	}
	if a.remaining > 0 {
		if _, err := io.CopyN(io.Discard, a.r, a.remaining); err != nil {
			return nil, eofIsUnexpected(err)
		}
		a.remaining = 0
	}
	var hdr [arHeaderSize]byte
	n := 0
	if a.pad {
		a.pad = false
		// The pad byte may be missing after the last member; tolerate that like dpkg does.
		if _, err := io.ReadFull(a.r, hdr[:1]); err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, err
		}
		if hdr[0] != '\n' {
			n = 1
		}
	}
	if m, err := io.ReadFull(a.r, hdr[n:]); err != nil {
		if err == io.EOF && n == 0 {
			return nil, io.EOF
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF || m+n < arHeaderSize {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	h, err := parseArHeader(hdr[:])
	if err != nil {
		return nil, err
	}
	a.remaining = h.Size
	a.pad = h.Size%2 == 1
	return h, nil
}

func parseArHeader(hdr []byte) (*arHeader, error) {
	if hdr[58] != '`' || hdr[59] != '\n' {
		return nil, fmt.Errorf("bad ar member header %q", hdr[:16])
	}
	name := strings.TrimRight(string(hdr[0:16]), " ")
	name = strings.TrimSuffix(name, "/")
	sizeField := strings.TrimRight(string(hdr[48:58]), " ")
	size, err := strconv.ParseInt(sizeField, 10, 64)
	if err != nil || size < 0 || strings.HasPrefix(sizeField, "+") {
		return nil, fmt.Errorf("bad size %q in ar member %q", sizeField, name)
	}
	if name == "" {
		return nil, fmt.Errorf("ar member without a name")
	}
	return &arHeader{Name: name, Size: size}, nil
}

// Read reads from the current member.
func (a *arReader) Read(p []byte) (int, error) {
	if a.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > a.remaining {
		p = p[:a.remaining]
	}
	n, err := a.r.Read(p)
	a.remaining -= int64(n)
	if err == io.EOF {
		if a.remaining > 0 {
			return n, io.ErrUnexpectedEOF
		}
		err = nil
	}
	return n, err
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
