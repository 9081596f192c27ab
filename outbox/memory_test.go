package outbox

import (
	"path/filepath"
	"testing"
)

// TestMemory: each adapter's memory is its own, survives reopening the file, and forgets
// what is deleted.
func TestMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stagebot.db")
	db := openBolt(t, path)
	o, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	matrix, other := o.Memory("matrix"), o.Memory("slack")
	if v, err := matrix.Get("sync"); err != nil || v != "" {
		t.Fatalf("Get before any Put = %q, %v; want \"\", nil", v, err)
	}
	for k, v := range map[string]string{"sync": "s72_1", "reaction:$r1": "@sil:x $head"} {
		if err := matrix.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Put("sync", "theirs"); err != nil {
		t.Fatal(err)
	}
	if err := matrix.Delete("reaction:$r1"); err != nil {
		t.Fatal(err)
	}
	if err := matrix.Delete("never kept"); err != nil {
		t.Fatalf("Delete of a key never kept: %v", err)
	}
	if err := matrix.Put("", "x"); err == nil {
		t.Fatal("Put with an empty key succeeded")
	}
	db.Close()

	o = openAt(t, path)
	for _, c := range []struct {
		m         *Memory
		key, want string
	}{
		{o.Memory("matrix"), "sync", "s72_1"},
		{o.Memory("matrix"), "reaction:$r1", ""},
		{o.Memory("slack"), "sync", "theirs"},
		{o.Memory("irc"), "sync", ""},
	} {
		if got, err := c.m.Get(c.key); err != nil || got != c.want {
			t.Errorf("%s Get(%q) = %q, %v; want %q", c.m.adapter, c.key, got, err, c.want)
		}
	}
}
