package snakefruit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListAt: a second list of the target's folder is named relative to the folder, or by
// an absolute path inside it, whatever the target's scheme; a path outside is refused.
func TestListAt(t *testing.T) {
	for _, c := range []struct {
		target, p, want, err string
	}{
		{"file:///srv/clicks", "synced/list", "synced/list", ""},
		{"file:///srv/clicks", "/srv/clicks/synced/list", "synced/list", ""},
		{"file:///srv/clicks/", "/srv/clicks/./synced//list", "synced/list", ""},
		{"file://localhost/srv/clicks", "/srv/clicks/list", "list", ""},
		{"sftp://u@snakefruit:22/srv/clicks", "/srv/clicks/synced/list", "synced/list", ""},
		{"file:///srv/clicks", "/srv/clicksx/list", "", "not inside the snakefruit target's folder /srv/clicks"},
		{"file:///srv/clicks", "/srv/other/list", "", "not inside"},
		{"file:///srv/clicks", "/srv/clicks", "", "not inside"},
	} {
		got, err := Config{Target: c.target, ListFile: "locked_clicks_list"}.ListAt(c.p)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s in %s: %v, want an error saying %q", c.p, c.target, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s in %s: %v", c.p, c.target, err)
		case c.err == "" && (got.ListFile != c.want || got.Target != c.target):
			t.Errorf("%s in %s: %+v, want list %s of the same target", c.p, c.target, got, c.want)
		}
	}
}

// TestOpenMakesTheFolder: with MakeFolder a missing file:// folder is made (the URL's path,
// not the text after file://); without it, Open leaves the file system alone.
func TestOpenMakesTheFolder(t *testing.T) {
	for _, makeFolder := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "a", "b")
		tg, err := Open(t.Context(), Config{Target: "file://localhost" + dir, MakeFolder: makeFolder})
		if err != nil {
			t.Fatal(err)
		}
		tg.Close()
		if _, err := os.Stat(dir); (err == nil) != makeFolder {
			t.Errorf("MakeFolder %v: stat %s: %v", makeFolder, dir, err)
		}
	}
}

// TestOpenRefusesWhatCheckFinds: Open refuses a config exactly when Check finds a problem
// (check-config asks Check), with Check's first problem; the key files, which Check does
// not read, are the only other reason.
func TestOpenRefusesWhatCheckFinds(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		cfg      Config
		problems int
	}{
		{Config{Target: "file://" + dir}, 0},
		{Config{Target: "file://localhost" + dir, ListFile: "sub/list"}, 0},
		{Config{Target: "file://" + dir, ListFile: "../list"}, 1},
		{Config{Target: "file://" + dir, ListFile: ".stagebot-tmp-list"}, 1},
		{Config{Target: "file://elsewhere" + dir}, 1},
		{Config{Target: "file:relative"}, 1},
		{Config{Target: "ftp://h/p"}, 1},
		{Config{Target: "sftp://h/p", SSHKey: "k", KnownHosts: "k"}, 1},
		{Config{Target: "sftp://u:pw@h/p", SSHKey: "k", KnownHosts: "k"}, 1},
		{Config{Target: "sftp://u@h:0/p", SSHKey: "k", KnownHosts: "k"}, 1},
		{Config{Target: "sftp://u@h:22/p"}, 2},
		{Config{Target: "sftp://u@h:22", ListFile: "/abs"}, 4},
	} {
		errs := c.cfg.Check()
		if len(errs) != c.problems {
			t.Errorf("%+v: Check found %v, want %d problems", c.cfg, errs, c.problems)
			continue
		}
		tg, err := Open(t.Context(), c.cfg)
		if tg != nil {
			tg.Close()
		}
		switch {
		case len(errs) == 0 && err != nil:
			t.Errorf("%+v: Check found nothing, Open refused: %v", c.cfg, err)
		case len(errs) > 0 && (err == nil || err.Error() != errs[0].Error()):
			t.Errorf("%+v: Open said %v, want Check's %v", c.cfg, err, errs[0])
		}
	}
}
