package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestMedianAndSpread(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		ds     []time.Duration
		median time.Duration
		spread string
	}{
		{"empty", nil, 0, ""},
		{"one", []time.Duration{6 * ms}, 6 * ms, "6 ms (6–6)"},
		{"odd, unsorted", []time.Duration{12 * ms, 5 * ms, 6 * ms}, 6 * ms, "6 ms (5–12)"},
		{"even: the mean of the middle two", []time.Duration{7 * time.Second, 9 * time.Second, 10 * time.Second, 6 * time.Second}, 8 * time.Second, "8.00 s (6.00–10.00)"},
		{"seconds from one second on", []time.Duration{time.Second, 2 * time.Second, 1500 * ms}, 1500 * ms, "1.50 s (1.00–2.00)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.ds); got != tt.median {
				t.Errorf("median(%v) = %v, want %v", tt.ds, got, tt.median)
			}
			if got := spread(tt.ds); got != tt.spread {
				t.Errorf("spread(%v) = %q, want %q", tt.ds, got, tt.spread)
			}
		})
	}
}

// A bot's log line is only matched once whole: the bot may be halfway through writing it.
func TestLogTailScan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.log")
	landed := regexp.MustCompile(`msg=pre-uploaded id=0e33a96f\b`)
	lg := &logTail{path: path}
	steps := []struct {
		write string
		want  string // "" for no match yet
	}{
		{"time=1 level=INFO msg=\"stagebot running\"\n", ""},
		{"time=2 level=INFO msg=pre-uploaded id=0e33a96f0", ""},
		{" bytes=1\ntime=3 level=INFO msg=pre-uploaded id=0e33a96f byt", ""},
		{"es=10490034\n", "time=3 level=INFO msg=pre-uploaded id=0e33a96f bytes=10490034"},
	}
	for i, st := range steps {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(st.write); err != nil {
			t.Fatal(err)
		}
		f.Close()
		l, ok, err := lg.scan(landed)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (st.want != "") || l != st.want {
			t.Fatalf("step %d: scan = %q, %v; want %q", i, l, ok, st.want)
		}
	}
}
