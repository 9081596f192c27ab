package main

import (
	"os"
	"strings"
	"testing"

	"stagebot/internal/testenv"
)

func TestMain(m *testing.M) {
	runChildIfAsked()
	os.Exit(m.Run())
}

// TestBenchRuns keeps the benchmark working: a small file through both paths. The ratio is
// not checked here; at this size it measures connection set-up, not transfer.
func TestBenchRuns(t *testing.T) {
	testenv.Tool(t, "sshd")
	testenv.Tool(t, "sftp")
	var out strings.Builder
	if _, err := run(4<<20, 1, t.TempDir(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"ratio Put/sftp", "peak RSS of the Put process"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1GiB", 1 << 30, true},
		{"64MiB", 64 << 20, true},
		{"10KiB", 10 << 10, true},
		{"12345", 12345, true},
		{"0", 0, false},
		{"-1MiB", 0, false},
		{"lots", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
}
