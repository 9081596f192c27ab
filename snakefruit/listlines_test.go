package snakefruit

import (
	"slices"
	"testing"
)

func TestParseFormatList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		out  string // FormatList(ParseList(in))
	}{
		{"empty", "", nil, ""},
		{"one", "a.click\n", []string{"a.click"}, "a.click\n"},
		{"missing final LF", "a.click\nb.click", []string{"a.click", "b.click"}, "a.click\nb.click\n"},
		{"blank line kept", "a.click\n\nb.click\n", []string{"a.click", "", "b.click"}, "a.click\n\nb.click\n"},
		{"CR kept verbatim", "a.click\r\n", []string{"a.click\r"}, "a.click\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseList([]byte(tt.in))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ParseList(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if out := string(FormatList(got)); out != tt.out {
				t.Fatalf("FormatList = %q, want %q", out, tt.out)
			}
		})
	}
}

func TestReplaceOrAppend(t *testing.T) {
	tests := []struct {
		name           string
		lines          []string
		file, replaces string
		want           []string
	}{
		{"append to empty", nil, "f_2_all.click", "", []string{"f_2_all.click"}},
		{"append at end", []string{"p.click", "q.click"}, "f_1_all.click", "", []string{"p.click", "q.click", "f_1_all.click"}},
		{"replace in place", []string{"p.click", "f_1_all.click", "q.click"}, "f_2_all.click", "f_1_all.click", []string{"p.click", "f_2_all.click", "q.click"}},
		{"replace first copy, drop others", []string{"f_1_all.click", "p.click", "f_1_all.click"}, "f_2_all.click", "f_1_all.click", []string{"f_2_all.click", "p.click"}},
		{"already present: no-op", []string{"p.click", "f_2_all.click"}, "f_2_all.click", "", []string{"p.click", "f_2_all.click"}},
		{"already present: still drop replaced", []string{"f_1_all.click", "p.click", "f_2_all.click"}, "f_2_all.click", "f_1_all.click", []string{"p.click", "f_2_all.click"}},
		{"replaced absent: append", []string{"p.click"}, "f_2_all.click", "f_1_all.click", []string{"p.click", "f_2_all.click"}},
		{"replaces itself", []string{"f_2_all.click"}, "f_2_all.click", "f_2_all.click", []string{"f_2_all.click"}},
		{"blank lines stay", []string{"", "f_1_all.click", ""}, "f_2_all.click", "f_1_all.click", []string{"", "f_2_all.click", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.lines)
			got := ReplaceOrAppend(in, tt.file, tt.replaces)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if !slices.Equal(in, tt.lines) {
				t.Fatalf("input modified: %q", in)
			}
		})
	}
}

func TestRemoveLine(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		file  string
		want  []string
	}{
		{"absent", []string{"p.click"}, "f.click", []string{"p.click"}},
		{"every copy", []string{"f.click", "p.click", "f.click"}, "f.click", []string{"p.click"}},
		{"only exact match", []string{"f.click.bak", "xf.click"}, "f.click", []string{"f.click.bak", "xf.click"}},
		{"empty", nil, "f.click", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RemoveLine(tt.lines, tt.file); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDedupeLines(t *testing.T) {
	lines := []string{"a", "p", "a", "p", "b", "a"}
	got := DedupeLines(lines, []string{"a"})
	want := []string{"a", "p", "p", "b"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
