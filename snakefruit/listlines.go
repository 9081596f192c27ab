package snakefruit

import (
	"bytes"
	"slices"
	"strings"
)

// ParseList splits the list file's content into lines. A last line without its LF still counts
// (a person's editor may have dropped it); every other byte is kept as it was.
func ParseList(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.Split(s, "\n")
}

// FormatList joins lines into the list file's content, each LF-terminated.
func FormatList(lines []string) []byte {
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func checkLines(lines []string) error {
	for i, l := range lines {
		if strings.ContainsAny(l, "\n") {
			return kindf(kindBadLine, "snakefruit: list line %d contains a newline: %q", i+1, l)
		}
	}
	return nil
}

// ReplaceOrAppend returns lines with filename locked in place of replaces:
//   - filename already present: unchanged, except that replaces' lines are dropped;
//   - else replaces present: its first line becomes filename (same position), other copies go;
//   - else filename is appended.
//
// Every other line keeps its relative order. lines is not modified.
func ReplaceOrAppend(lines []string, filename, replaces string) []string {
	if replaces == filename {
		replaces = ""
	}
	out := make([]string, 0, len(lines)+1)
	has := slices.Contains(lines, filename)
	placed := has
	for _, l := range lines {
		if replaces != "" && l == replaces {
			if !placed {
				out = append(out, filename)
				placed = true
			}
			continue
		}
		out = append(out, l)
	}
	if !placed {
		out = append(out, filename)
	}
	return out
}

// RemoveLine returns lines without any line equal to filename. lines is not modified.
func RemoveLine(lines []string, filename string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l != filename {
			out = append(out, l)
		}
	}
	return out
}

// DedupeLines keeps the first line of each name in names and drops its later copies.
func DedupeLines(lines []string, names []string) []string {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	seen := make(map[string]bool)
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if want[l] {
			if seen[l] {
				continue
			}
			seen[l] = true
		}
		out = append(out, l)
	}
	return out
}
