package snakefruit

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"stagebot/internal/sshdtest"
)

// bigClick writes a source file large enough for the server-side hash to be tried.
func bigClick(t *testing.T, name string, seed byte) LockSpec {
	t.Helper()
	buf := make([]byte, remoteHashMin+12345)
	_, _ = rand.NewChaCha8([32]byte{seed}).Read(buf)
	src := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(src, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf)
	return LockSpec{Filename: name, Src: src, Size: int64(len(buf)), SHA256: hex.EncodeToString(sum[:])}
}

// TestSFTPVerifiesBigFilesEitherWay: a big upload is verified by the server's sha256sum where
// the account has a shell, and by reading it back where it is sftp-only; both must land it,
// skip an identical re-Put and refuse a wrong hash.
func TestSFTPVerifiesBigFilesEitherWay(t *testing.T) {
	tests := []struct {
		name         string
		sftpOnly     bool
		wantFallback bool
	}{
		{"shell account hashes on the server", false, false},
		{"sftp-only account reads back", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sshdtest.StartOptions(t, sshdtest.Options{SFTPOnly: tt.sftpOnly})
			tg := openSFTP(t, sftpConfig(s))
			ctx := testContext(t)
			c := bigClick(t, "big_1_all.click", 7)
			if err := tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256); err != nil {
				t.Fatal(err)
			}
			if got := tg.(*target).fs.(*sftpFS).noRemoteHash.Load(); got != tt.wantFallback {
				t.Errorf("fell back to reading back: %v, want %v", got, tt.wantFallback)
			}
			landed := filepath.Join(s.Dir, c.Filename)
			if sum, err := hashLocal(landed); err != nil || sum != c.SHA256 {
				t.Fatalf("landed sha256 %s, %v; want %s", sum, err, c.SHA256)
			}
			before, _ := os.Stat(landed)
			if err := tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256); err != nil {
				t.Fatal(err)
			}
			if after, _ := os.Stat(landed); !os.SameFile(before, after) {
				t.Error("re-Put of identical content replaced the file")
			}
			other := bigClick(t, "other_1_all.click", 8)
			if err := tg.Put(ctx, other.Filename, other.Src, other.Size, c.SHA256); err == nil || !IsPermanent(err) {
				t.Errorf("Put with the wrong sha256: error %v, want a permanent one", err)
			}
			assertNoTemps(t, s.Dir)
			if _, err := os.Stat(filepath.Join(s.Dir, other.Filename)); !os.IsNotExist(err) {
				t.Errorf("a file with the wrong hash landed: %v", err)
			}
		})
	}
}
