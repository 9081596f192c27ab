package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/chat"
	"stagebot/httpapi"
	"stagebot/intake"
	"stagebot/internal/clicktest"
	"stagebot/snakefruit"
	"stagebot/storage"
	"stagebot/workflow"
)

// recordsServer is the HTTP server over a workflow of its own on real storage, for tests
// that act as people no console can be (IRC identities) or need chosen request IDs. The
// worker does not run: requests stay where the test puts them.
type recordsServer struct {
	svc   *workflow.Service
	base  string
	click func(name string) string
}

func startRecords(t *testing.T, newID func() string) *recordsServer {
	t.Helper()
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Outbox().KeepCursors([]stagebot.Dest{httpapi.EventsDest}); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "snakefruit")
	os.MkdirAll(folder, 0o755)
	target, err := snakefruit.Open(context.Background(), snakefruit.Config{Target: "file://" + folder})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	render := chat.Renderer{Prefix: "!"}
	svc := workflow.New(workflow.Config{DB: db, StateDir: dir, Target: target, NewID: newID, Notes: render.Note,
		Team:   stagebot.Team{Landing: []stagebot.Member{{Name: "sil2100"}}, Landers: []stagebot.Member{{Name: "*"}}},
		Policy: stagebot.Policy{Approvals: 1},
		Intake: &intake.Fetcher{Dir: filepath.Join(dir, "downloads"), MaxBytes: 1 << 30}})
	srv := httpapi.New(httpapi.Config{Service: svc, Renderer: render, Feed: db.Outbox(), Audit: httpapi.StoredAudit(db)})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})
	clicks := t.TempDir()
	return &recordsServer{svc: svc, base: "http://" + l.Addr().String(), click: func(name string) string {
		return clicktest.Build(t, clicks, clicktest.Spec{Name: name, Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
			Files: map[string]string{"app.qml": "Item {}\n"}})
	}}
}

func (s *recordsServer) stage(t *testing.T, who stagebot.Identity, name string) *stagebot.Request {
	t.Helper()
	r, err := s.svc.Stage(context.Background(), who, intake.Source{Kind: intake.FromPath, Value: s.click(name)})
	if err != nil {
		t.Fatalf("stage %s as %s: %v", name, who.ID, err)
	}
	return r
}

// People who are not team members are served by nick and network alone: on the status
// page, in the API and on the event stream their IRC hostmask never appears, while the
// audit log keeps it.
func TestNonMembersShownWithoutHost(t *testing.T) {
	s := startRecords(t, nil)
	events := openEvents(t, s.base)
	mallory := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "mallory!~mal@198.51.100.7", Name: "mallory"}
	// No name apart from the hostmask: chat shows the handle alone.
	trent := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "trent!~trent@203.0.113.9"}
	held := s.stage(t, mallory, "com.example.held")
	if _, err := s.svc.Hold(mallory, held.ID, "waiting for trent"); err != nil {
		t.Fatal(err)
	}
	gone := s.stage(t, trent, "com.example.gone")
	if _, err := s.svc.Cancel(trent, gone.ID, "wrong one"); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for range 4 { // requested, held, requested, cancelled
		a, _ := nextAnnouncement(t, events, "an announcement", func(httpapi.Announcement) bool { return true })
		texts = append(texts, a.Text)
	}

	hosts := []string{"198.51.100.7", "203.0.113.9", "~mal", "~trent", "mallory!", "trent!"}
	served := map[string]string{"event stream": strings.Join(texts, "\n")}
	for _, path := range []string{"/", "/api/requests", "/api/requests/" + held.ShortID(), "/api/requests/" + gone.ShortID()} {
		code, body := get(t, s.base+path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		served[path] = body
	}
	for where, body := range served {
		for _, h := range hosts {
			if strings.Contains(body, h) {
				t.Errorf("%s shows %q:\n%s", where, h, body)
			}
		}
	}
	for _, want := range []string{"mallory (IRC)", "trent (IRC)"} {
		for _, where := range []string{"/", "/api/requests", "event stream"} {
			if !strings.Contains(served[where], want) {
				t.Errorf("%s does not show %q:\n%s", where, want, served[where])
			}
		}
	}
	var d httpapi.RequestDetail
	getJSON(t, s.base+"/api/requests/"+held.ShortID(), 200, &d)
	if d.Requester != "mallory (IRC)" || d.Hold == nil || d.Hold.By != "mallory (IRC)" || d.History[0].By != "mallory (IRC)" {
		t.Errorf("held request: requester %q, hold %+v, history by %q", d.Requester, d.Hold, d.History[0].By)
	}
	getJSON(t, s.base+"/api/requests/"+gone.ShortID(), 200, &d)
	if d.Requester != "trent (IRC)" || d.History[1].By != "trent (IRC)" {
		t.Errorf("cancelled request: requester %q, history %+v", d.Requester, d.History)
	}

	_, audit := get(t, s.base+"/api/audit")
	for _, h := range []string{"mallory!~mal@198.51.100.7", "trent!~trent@203.0.113.9"} {
		if !strings.Contains(audit, h) {
			t.Errorf("the audit log lost %q:\n%s", h, audit)
		}
	}
}

// Two requests that share a 4-digit prefix: the prefix is a 409 that says so, a longer one
// finds each.
func TestAmbiguousPrefix(t *testing.T) {
	ids := []string{"abcd1111-0000-4000-8000-000000000001", "abcd2222-0000-4000-8000-000000000002"}
	next := 0
	s := startRecords(t, func() string { next++; return ids[next-1] })
	alice := stagebot.Identity{Network: stagebot.NetworkConsole, ID: "alice", Name: "alice"}
	s.stage(t, alice, "com.example.one")
	s.stage(t, alice, "com.example.two")
	for _, path := range []string{"/api/requests/abcd", "/api/audit?request=abcd"} {
		if m := getJSON(t, s.base+path, http.StatusConflict, nil); !strings.Contains(m["error"].(string), "ambiguous") {
			t.Errorf("%s: %v", path, m)
		}
	}
	for _, id := range ids {
		var d httpapi.RequestDetail
		getJSON(t, s.base+"/api/requests/"+id[:5], 200, &d)
		if d.UUID != id {
			t.Errorf("%s: found %s", id[:5], d.UUID)
		}
	}
	// A package's name that looks like an ID is not one.
	getJSON(t, s.base+"/api/requests/abcd3", 404, nil)
}
