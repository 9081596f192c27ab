package click

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Format writes the human report `stagebot inspect` prints and chat replies quote.
func (i *Info) Format(w io.Writer) {
	verdict := "OK"
	if !i.OK() {
		verdict = "REJECTED"
	}
	fmt.Fprintf(w, "%s: %s\n", cmp.Or(i.Filename, "(unknown filename)"), verdict)
	i.Details(w)
}

// Details writes the report's lines below its headline (what Format heads with the
// filename and the verdict), each indented.
func (i *Info) Details(w io.Writer) {
	or := func(s, dflt string) string {
		if s == "" {
			return dflt
		}
		return s
	}
	fmt.Fprintf(w, "  name:         %s\n", or(i.Name, "?"))
	fmt.Fprintf(w, "  version:      %s\n", or(i.Version, "?"))
	arch := strings.Join(i.Architectures, ", ")
	if i.FileArch == "multi" {
		arch += " (multi)"
	}
	fmt.Fprintf(w, "  architecture: %s\n", or(arch, "?"))
	fmt.Fprintf(w, "  framework:    %s\n", or(i.Framework, "?"))
	if len(i.NeedsFrameworks) > 0 {
		fmt.Fprintf(w, "  not in stable: %s\n", strings.Join(i.NeedsFrameworks, ", "))
	}
	if i.Title != "" {
		fmt.Fprintf(w, "  title:        %s\n", i.Title)
	}
	if i.Maintainer != "" {
		fmt.Fprintf(w, "  maintainer:   %s\n", i.Maintainer)
	}
	fmt.Fprintf(w, "  size:         %d bytes (installed %d KiB)\n", i.Size, i.InstalledSize)
	fmt.Fprintf(w, "  sha512:       %s\n", or(i.SHA512, "?"))
	fmt.Fprintf(w, "  signature:    %s\n", i.Signature.describe())
	for _, p := range i.Problems {
		fmt.Fprintf(w, "  problem:      %s (%s)\n", p.Message, p.Code)
	}
}

func (s *Signature) describe() string {
	switch {
	case s == nil:
		return "none"
	case s.Valid:
		return fmt.Sprintf("good, key %s (%s)", s.KeyID, s.Signer)
	case s.KeyID != "":
		return fmt.Sprintf("not verified, key %s: %s", s.KeyID, s.Reason)
	default:
		return "not verified: " + s.Reason
	}
}
