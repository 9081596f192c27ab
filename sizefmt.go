package stagebot

import "strconv"

// FormatSize words a number of bytes as people read sizes: "984 bytes", "1.5 KiB",
// "19.1 MiB", "1.2 GiB" (one decimal from KiB up, binary units as downloads.max_bytes
// counts them).
func FormatSize(n int64) string {
	if n < 1024 && n > -1024 {
		if n == 1 {
			return "1 byte"
		}
		return strconv.FormatInt(n, 10) + " bytes"
	}
	f := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= 1024
		if f < 1024 && f > -1024 || unit == "TiB" {
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + unit
		}
	}
	return "" // not reached
}
