package click

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"stagebot/internal/asyncw"

	"stagebot"
)

// The ar members click build writes, in the order it writes them.
var memberOrder = []string{"debian-binary", "_click-binary", "control.tar.gz", "data.tar.gz"}

const (
	sigMember       = "_gpgorigin"
	maxSmallFile    = 64       // debian-binary, _click-binary
	maxSigSize      = 64 << 10 // a detached signature is a few hundred bytes
	maxProblems     = 50
	maxClickVersion = "0.4" // click 0.5.0's spec_version
)

// InspectFile inspects the click at path; a missing or unreadable file is an error.
func InspectFile(path string, opts Options) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Inspect(f, opts)
}

// Inspect reads r to EOF exactly once. It returns an error only for I/O failures of r;
// everything wrong with the click itself is a Problem (a truncated / non-ar stream is one).
func Inspect(r io.Reader, opts Options) (*Info, error) {
	src := &source{r: r, sha256: sha256.New()}
	if opts.SHA512 {
		src.sha512 = sha512.New()
		src.hashes = asyncw.NewGroup(src.sha256, src.sha512)
	} else {
		src.hashes = asyncw.NewGroup(src.sha256)
	}
	defer src.hashes.Close()
	in := &inspection{opts: opts, info: &Info{}, signed: newSignedHashes(opts.Keyring), buf: make([]byte, 32<<10)}
	defer in.signed.Close()
	in.run(newArReader(src))
	// Callers tee downloads through Inspect, so the rest of the stream is read even when
	// the click was refused early.
	if _, err := io.CopyBuffer(io.Discard, src, in.buf); err != nil && src.err == nil {
		src.err = err
	}
	if src.err != nil {
		return nil, src.err
	}
	src.hashes.Close()
	in.signed.Close()
	in.finish()
	info := in.info
	info.Size = src.n
	info.SHA256 = hex.EncodeToString(src.sha256.Sum(nil))
	if src.sha512 != nil {
		info.SHA512 = hex.EncodeToString(src.sha512.Sum(nil))
	}
	return info, nil
}

// source counts and hashes every byte of the click and keeps the first real read error,
// so that errors of r (returned to the caller) are told apart from a malformed click.
type source struct {
	r              io.Reader
	n              int64
	sha256, sha512 hash.Hash
	hashes         asyncw.Group // feeds sha256 and, when asked for, sha512
	err            error
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if n > 0 {
		s.n += int64(n)
		s.hashes.Write(p[:n])
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

type inspection struct {
	opts       Options
	info       *Info
	buf        []byte // the one copy buffer of an inspection
	signed     *signedHashes
	suppressed int

	control *controlArea
	sigData []byte
	sawSig  bool
}

func (in *inspection) problem(code, format string, args ...any) {
	if len(in.info.Problems) >= maxProblems {
		in.suppressed++
		return
	}
	in.info.problem(code, format, args...)
}

func (in *inspection) run(ar *arReader) {
	next := 0 // index into memberOrder of the member we expect
	for {
		h, err := ar.Next()
		switch {
		case err == io.EOF:
			for _, missing := range memberOrder[next:] {
				in.problem(CodeArchive, "ar member %s is missing", missing)
			}
			return
		case errors.Is(err, errNotAr):
			in.problem(CodeArchive, "not a click: no ar archive header (!<arch>)")
			return
		case err == io.ErrUnexpectedEOF:
			in.problem(CodeArchive, "truncated: the file ends inside an ar member")
			return
		case err != nil:
			in.problem(CodeArchive, "broken ar archive: %v", err)
			return
		}
		if in.sawSig {
			in.problem(CodeArchive, "ar member %s after _gpgorigin, which must be last", h.Name)
			continue
		}
		want := -1
		for i, name := range memberOrder {
			if name == h.Name {
				want = i
			}
		}
		switch {
		case want >= next:
			for _, missing := range memberOrder[next:want] {
				in.problem(CodeArchive, "ar member %s is missing (found %s)", missing, h.Name)
			}
			next = want + 1
			if !in.member(h, ar) {
				return
			}
		case h.Name == sigMember && next == len(memberOrder):
			in.sawSig = true
			if !in.signature(h, ar) {
				return
			}
		case h.Name == sigMember:
			in.problem(CodeArchive, "_gpgorigin comes before %s; it must be the last member", memberOrder[next])
		case want >= 0:
			in.problem(CodeArchive, "ar member %s appears twice or out of order", h.Name)
		default:
			in.problem(CodeArchive, "unexpected ar member %q", h.Name)
		}
	}
}

// member handles one of click build's members; false means the stream is unusable.
func (in *inspection) member(h *arHeader, ar *arReader) bool {
	// debsigs signs debian-binary, control.tar.gz and data.tar.gz as they are stored.
	var r io.Reader = ar
	if h.Name != "_click-binary" {
		r = io.TeeReader(ar, in.signed)
	}
	switch h.Name {
	case "debian-binary":
		b, ok := in.small(h, r)
		if ok && b != "2.0\n" {
			in.problem(CodeDebianBinary, "debian-binary is %q, not \"2.0\"", trimNL(b))
		}
	case "_click-binary":
		b, ok := in.small(h, r)
		if ok {
			in.clickBinary(trimNL(b))
		}
	case "control.tar.gz":
		in.control = in.readControl(r, h.Size)
		in.checkControl()
	case "data.tar.gz":
		in.readData(r, h.Size)
	}
	// What the tar reader left unread still belongs to the signed data.
	if _, err := io.CopyBuffer(io.Discard, r, in.buf); err != nil {
		in.problem(CodeArchive, "truncated: the file ends inside %s", h.Name)
		return false
	}
	return true
}

func (in *inspection) small(h *arHeader, r io.Reader) (string, bool) {
	if h.Size > maxSmallFile {
		in.problem(CodeArchive, "ar member %s is %s, far too large", h.Name, stagebot.FormatSize(h.Size))
		return "", false
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", false // the caller reports the truncation
	}
	return string(b), true
}

func (in *inspection) clickBinary(v string) {
	c, err := CompareVersions(v, maxClickVersion)
	switch {
	case err != nil:
		in.problem(CodeClickBinary, "_click-binary %q is not a version", v)
	case c > 0:
		in.problem(CodeClickBinary, "_click-binary %s is newer than the supported %s", v, maxClickVersion)
	}
}

func (in *inspection) signature(h *arHeader, ar *arReader) bool {
	if h.Size > maxSigSize {
		in.problem(CodeSignature, "_gpgorigin is %d bytes, too large for a signature", h.Size)
		return true
	}
	b, err := io.ReadAll(ar)
	if err != nil {
		in.problem(CodeArchive, "truncated: the file ends inside _gpgorigin")
		return false
	}
	in.sigData = b
	return true
}

// finish runs the checks that need the whole stream: manifest-derived naming, md5sums and
// the signature.
func (in *inspection) finish() {
	info := in.info
	if in.sawSig {
		info.Signature = verifySignature(in.sigData, in.signed, in.opts.Keyring)
	}
	if in.opts.Keyring != nil {
		switch s := info.Signature; {
		case s == nil:
			in.problem(CodeSignature, "unsigned: no _gpgorigin signature, and a keyring is configured")
		case !s.Valid && s.KeyID != "":
			in.problem(CodeSignature, "signature by key %s refused: %s", s.KeyID, s.Reason)
		case !s.Valid:
			in.problem(CodeSignature, "signature refused: %s", s.Reason)
		}
	}
	if in.suppressed > 0 {
		info.Problems = append(info.Problems, Problem{CodeArchive, fmt.Sprintf("... and %d more problems", in.suppressed)})
	}
}

func trimNL(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		return s[:len(s)-1]
	}
	return s
}

// readBufferSize reads big members in large chunks (fewer read calls on a 1 GiB click)
// without making a small one pay for a large buffer.
func readBufferSize(memberSize int64) int {
	return int(min(max(memberSize, 512), 64<<10))
}
