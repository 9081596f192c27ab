package snakefruit

import (
	"crypto/rand"
	"encoding/hex"
	"path"
	"strings"
)

// tempName returns a new temp file name for name, beside it (a rename is atomic only
// within a folder): TempPrefix, name's base, a dot and a token that no other call uses,
// in this process or another. Each temp file is then written by one operation alone: two
// processes (or a crashed one's late writes and its successor) can never rename each
// other's content into place. A leftover is never written again, only removed (by the
// operation that failed, retryStale or SweepTemps).
//
// The name is in use (SweepTemps leaves it) until done is called.
func (t *target) tempName(name string) (tmp string, done func()) {
	dir, base := path.Split(name)
	tmp = dir + TempPrefix + base + "." + t.unique()
	t.inUseMu.Lock()
	t.inUse[tmp] = true
	t.inUseMu.Unlock()
	return tmp, func() {
		t.inUseMu.Lock()
		delete(t.inUse, tmp)
		t.inUseMu.Unlock()
	}
}

func (t *target) usedHere(tmp string) bool {
	t.inUseMu.Lock()
	defer t.inUseMu.Unlock()
	return t.inUse[tmp]
}

// randomToken is 64 random bits, in hex: no two calls, here or in another process, share one.
func randomToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

func isTemp(name string) bool { return strings.HasPrefix(path.Base(name), TempPrefix) }

// isTempOf reports whether tmp is a temp file tempName made for name.
func isTempOf(tmp, name string) bool {
	dir, base := path.Split(name)
	tdir, tbase := path.Split(tmp)
	return tdir == dir && strings.HasPrefix(tbase, TempPrefix+base+".")
}

// TempPattern is the path.Match (and filepath.Glob) pattern of the temp files in which
// name is written before it is renamed into place, for tools and tests that look for an
// upload under way.
func TempPattern(name string) string {
	dir, base := path.Split(name)
	var b strings.Builder
	for _, r := range TempPrefix + base + "." {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return dir + b.String() + "*"
}
