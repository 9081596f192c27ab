package snakefruit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/internal/sshdtest"
)

// TestSFTPPendingRewrittenWithinTheSecond: SFTP reports modification times in whole
// seconds, so a person rewriting a pending file with as many bytes in the same second as
// the pre-upload wrote it leaves size and time as they were checked. Promote must still
// refuse it: the click locked would be the person's bytes.
func TestSFTPPendingRewrittenWithinTheSecond(t *testing.T) {
	s := sshdtest.Start(t)
	tg := openSFTP(t, sftpConfig(s))
	ctx := testContext(t)
	c := click(t, "foo_1_all.click", strings.Repeat("c", 4096))
	for attempt := 0; ; attempt++ {
		id := "5a1d0e2f-0000-4000-8000-00000000000" + string(rune('a'+attempt))
		f, err := os.Open(c.Src)
		if err != nil {
			t.Fatal(err)
		}
		p, err := tg.Preupload(ctx, id, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(s.Dir, PendingName(id))
		before, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Repeat([]byte("x"), int(p.Size)), 0o644); err != nil {
			t.Fatal(err)
		}
		after, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !after.ModTime().Truncate(time.Second).Equal(before.ModTime().Truncate(time.Second)) && attempt < 5 {
			continue // the rewrite fell in another second: try again for the hard case
		}
		err = tg.Promote(ctx, p, c.Filename)
		if !errors.Is(err, ErrPendingChanged) {
			t.Fatalf("Promote of a pending file rewritten in the same second: %v, want ErrPendingChanged", err)
		}
		if _, ok := snapshot(t, s.Dir)[c.Filename]; ok {
			t.Fatal("the person's bytes were renamed into place")
		}
		return
	}
}
