package snakefruit

import "testing"

func TestParseSHA256Sum(t *testing.T) {
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	tests := []struct {
		name, out string
		ok        bool
	}{
		{"text mode", sum + "  /srv/a.click\n", true},
		{"binary mode", sum + " */srv/a.click\n", true},
		{"other path", sum + "  /srv/b.click\n", false},
		{"banner first", "Welcome!\n" + sum + "  /srv/a.click\n", false},
		{"not hex", "zz" + sum[2:] + "  /srv/a.click\n", false},
		{"empty", "", false},
		{"short", "abc\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSHA256Sum(tt.out, "/srv/a.click")
			if ok != tt.ok || (ok && got != sum) {
				t.Fatalf("parseSHA256Sum = %q, %v; want ok=%v", got, ok, tt.ok)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	if got, want := shellQuote("/a b/it's"), `'/a b/it'\''s'`; got != want {
		t.Fatalf("shellQuote = %s, want %s", got, want)
	}
}
