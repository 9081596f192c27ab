package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"stagebot/httpapi"
	"stagebot/internal/clicktest"
)

var (
	rfc3339UTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	shortHex   = regexp.MustCompile(`^[0-9a-f]{8}$`)
)

// getJSON GETs url, checks the status and that the body is JSON, and decodes it into v
// (and into a generic map, returned, for the keys every answer must carry).
func getJSON(t *testing.T, url string, status int, v any) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("GET %s: %d, body is not JSON: %v", url, resp.StatusCode, err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, raw)
		}
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

// requestKeys are the keys every request in the API carries, present even when empty.
var requestKeys = []string{"id", "uuid", "filename", "name", "version", "arch", "state", "held", "hold", "requester",
	"approvals", "qa", "waiting_for", "created", "updated"}

// GET /api/requests lists every request newest first with its state and what it waits for;
// ?state and ?limit narrow it; a bad state is a 400 in JSON.
func TestAPIRequests(t *testing.T) {
	b, base := startHTTPBot(t)
	lockedID, lockedFile := b.Stage(clicktest.Spec{Name: "com.example.first", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	path := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.second", Version: "2.0", Framework: "ubuntu-sdk-15.04", Arch: "armhf",
		Files: map[string]string{"app.qml": "Item {}\n"}})
	b.Say("alice> !stage " + path)
	pendingID := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	b.Say("alice> !hold " + pendingID + " waiting for the notes")
	b.WaitFor(`^\[` + pendingID + `\] \S+ held`)

	var list httpapi.Requests
	raw := getJSON(t, base+"/api/requests", 200, &list)
	if list.Total != 2 || len(list.Requests) != 2 {
		t.Fatalf("%d requests (total %d), want 2: %+v", len(list.Requests), list.Total, list)
	}
	pending, locked := list.Requests[0], list.Requests[1]
	if pending.ID != pendingID || locked.ID != lockedID {
		t.Fatalf("order %s, %s; want newest first: %s, %s", pending.ID, locked.ID, pendingID, lockedID)
	}
	for i, r := range raw["requests"].([]any) {
		m := r.(map[string]any)
		for _, k := range requestKeys {
			if _, ok := m[k]; !ok {
				t.Errorf("request %d lacks %q: %v", i, k, m)
			}
		}
		for _, k := range []string{"created", "updated"} {
			if s, _ := m[k].(string); !rfc3339UTC.MatchString(s) {
				t.Errorf("request %d: %s %q is not RFC 3339 UTC", i, k, m[k])
			}
		}
		if id, _ := m["id"].(string); !shortHex.MatchString(id) || !strings.HasPrefix(m["uuid"].(string), id) {
			t.Errorf("request %d: id %q, uuid %q", i, m["id"], m["uuid"])
		}
	}
	if locked.Filename != lockedFile || locked.State != "locked" || locked.Name != "com.example.first" || locked.Version != "1.0" ||
		locked.Arch != "all" || locked.Requester != "alice" || len(locked.Approvals) != 1 || locked.Approvals[0].By != "sil2100" ||
		len(locked.WaitingFor) != 0 || locked.Held {
		t.Errorf("locked request: %+v", locked)
	}
	if pending.State != "pending" || !pending.Held || pending.Hold == nil || pending.Hold.By != "alice" ||
		pending.Hold.Reason != "waiting for the notes" || pending.Arch != "armhf" {
		t.Errorf("pending request: %+v", pending)
	}
	waits := strings.Join(pending.WaitingFor, " | ")
	for _, want := range []string{"1 more landing-team approval (from sil2100)", "its hold to be lifted: held by alice: waiting for the notes"} {
		if !strings.Contains(waits, want) {
			t.Errorf("waiting_for %q lacks %q", pending.WaitingFor, want)
		}
	}

	var only httpapi.Requests
	getJSON(t, base+"/api/requests?state=locked", 200, &only)
	if only.Total != 1 || len(only.Requests) != 1 || only.Requests[0].ID != lockedID {
		t.Errorf("?state=locked: %+v", only)
	}
	getJSON(t, base+"/api/requests?state=published", 200, &only)
	if only.Total != 0 || only.Requests == nil {
		t.Errorf("?state=published: %+v, want an empty list", only)
	}
	getJSON(t, base+"/api/requests?limit=1", 200, &only)
	if only.Total != 2 || len(only.Requests) != 1 || only.Requests[0].ID != pendingID {
		t.Errorf("?limit=1: %+v", only)
	}
	for _, bad := range []string{"?state=lockd", "?limit=0", "?limit=many"} {
		if m := getJSON(t, base+"/api/requests"+bad, 400, nil); m["error"] == "" || m["error"] == nil {
			t.Errorf("%s: no error sentence: %v", bad, m)
		}
	}
}

// GET /api/requests/{id} takes the short ID, the UUID or a prefix of 4+ hex digits and
// adds the history; anything else is a 404 in JSON, as is any other path under /api/.
func TestAPIRequest(t *testing.T) {
	b, base := startHTTPBot(t)
	id, file := b.Stage(clicktest.Spec{Name: "com.example.one", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	var list httpapi.Requests
	getJSON(t, base+"/api/requests", 200, &list)
	uuid := list.Requests[0].UUID

	for _, name := range []string{id, uuid, id[:4], strings.ToUpper(id)} {
		var d httpapi.RequestDetail
		raw := getJSON(t, base+"/api/requests/"+name, 200, &d)
		if d.ID != id || d.UUID != uuid || d.Filename != file || d.State != "locked" {
			t.Fatalf("%s: %+v", name, d)
		}
		var states []string
		for _, h := range d.History {
			states = append(states, string(h.State))
			if time := h.At; time == (httpapi.Time{}) {
				t.Errorf("%s: history entry without a time: %+v", name, h)
			}
		}
		if got := strings.Join(states, ","); got != "pending,approved,locked" {
			t.Errorf("%s: history %s", name, got)
		}
		if d.History[1].By != "sil2100" || d.History[0].By != "alice" {
			t.Errorf("%s: history by %q, %q", name, d.History[0].By, d.History[1].By)
		}
		for _, k := range append(requestKeys, "history", "sha512", "source", "receipt") {
			if _, ok := raw[k]; !ok {
				t.Errorf("%s: detail lacks %q", name, k)
			}
		}
		if len(d.WaitingFor) != 0 {
			t.Errorf("%s: a locked request waits for %q", name, d.WaitingFor)
		}
	}
	for _, path := range []string{
		"/api/requests/00000000-0000-4000-8000-000000000000",
		"/api/requests/abc",
		"/api/requests/not-an-id",
		"/api/requests/" + id + "/nothing",
		"/api/nothing",
	} {
		if m := getJSON(t, base+path, 404, nil); m["error"] == nil {
			t.Errorf("%s: 404 without an error sentence: %v", path, m)
		}
	}
	for _, path := range []string{"/api/requests", "/api/requests/" + id, "/api/audit", "/api/events"} {
		resp, err := http.Post(base+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("POST %s: %d, Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// GET /api/audit is the audit trail with the chain's verdict, all of it or one request's.
func TestAPIAudit(t *testing.T) {
	b, base := startHTTPBot(t)
	first, _ := b.Stage(clicktest.Spec{Name: "com.example.a", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	second, _ := b.Stage(clicktest.Spec{Name: "com.example.b", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})

	var all httpapi.AuditTrail
	raw := getJSON(t, base+"/api/audit", 200, &all)
	if !all.Intact || all.Checked != len(all.Entries) || len(all.Entries) < 6 || all.Problem != "" {
		t.Fatalf("whole trail: intact %v, checked %d of %d: %s", all.Intact, all.Checked, len(all.Entries), all.Problem)
	}
	for i, e := range raw["entries"].([]any) {
		m := e.(map[string]any)
		for _, k := range []string{"at", "request", "who", "what", "hash"} {
			if _, ok := m[k]; !ok {
				t.Errorf("entry %d lacks %q: %v", i, k, m)
			}
		}
		if s, _ := m["at"].(string); !rfc3339UTC.MatchString(s) {
			t.Errorf("entry %d: at %q", i, m["at"])
		}
	}
	for i := 1; i < len(all.Entries); i++ {
		if all.Entries[i].Prev != all.Entries[i-1].Hash {
			t.Fatalf("entry %d does not follow %d in the chain", i, i-1)
		}
	}
	var one httpapi.AuditTrail
	getJSON(t, base+"/api/audit?request="+second[:5], 200, &one)
	var whats []string
	for _, e := range one.Entries {
		if e.Request != second {
			t.Fatalf("?request=%s lists an entry of %s", second, e.Request)
		}
		whats = append(whats, e.What)
	}
	if got := strings.Join(whats, ","); got != "pending,approved,locked" {
		t.Errorf("?request=%s: %s", second, got)
	}
	if !one.Intact || one.Checked != all.Checked {
		t.Errorf("?request: the verdict is the whole chain's: intact %v, checked %d", one.Intact, one.Checked)
	}
	_ = first
	for _, q := range []string{"?request=00000000-0000-4000-8000-000000000000", "?request=xyz", "?request="} {
		if m := getJSON(t, base+"/api/audit"+q, 404, nil); m["error"] == nil {
			t.Errorf("%s: 404 without an error sentence", q)
		}
	}
}
