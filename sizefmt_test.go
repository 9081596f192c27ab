package stagebot

import "testing"

func TestFormatSize(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {984, "984 bytes"}, {1023, "1023 bytes"}, {1024, "1.0 KiB"},
		{1536, "1.5 KiB"}, {20007448, "19.1 MiB"}, {1 << 30, "1.0 GiB"}, {5 << 40, "5.0 TiB"}, {5 << 50, "5120.0 TiB"},
	} {
		if got := FormatSize(c.n); got != c.want {
			t.Errorf("FormatSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
