package httpapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/httpapi"
	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
	"stagebot/receipt"
	"stagebot/receipt/receipttest"
)

// startReceiptBot runs a bot with an HTTP listener in dir, signing receipts with key when
// it is set, and returns the API's base URL.
func startReceiptBot(t *testing.T, dir, key string) (*bottest.Bot, string) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	extra := fmt.Sprintf("http:\n  listen: %s\n  webhook_secret: %s\n", addr, secret)
	if key != "" {
		extra += "receipts:\n  key: " + key + "\n"
	}
	b := bottest.StartIn(t, dir, extra)
	base := "http://" + addr
	b.Eventually("the HTTP server answering", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return b, base
}

// getReceipt GETs a receipt path and returns its status, Content-Type and body.
func getReceipt(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// TestAPIReceipt: GET /api/requests/{id}/receipt serves a locked request's receipt as
// stored (JSON, by short ID, UUID or prefix alike, linked from the request's detail) and it
// verifies against the click; it is the same bytes after a restart and through FetchReceipt;
// an unknown ID and a request without a receipt are 404s in JSON saying which; the API
// path only reads.
func TestAPIReceipt(t *testing.T) {
	dir := t.TempDir()
	keys := t.TempDir()
	key := receipttest.Key(22)
	priv, _ := receipttest.WriteKeys(t, keys, "receipts", key)
	b, base := startReceiptBot(t, dir, priv)
	id, file := b.Stage(clicktest.Spec{Name: "com.example.receipted", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	click, err := os.ReadFile(filepath.Join(dir, "clicks", file))
	if err != nil {
		t.Fatal(err)
	}
	if n := b.Count(`^\[` + id + `\] \S+ locked: .*signed receipt kept`); n != 1 {
		t.Errorf("%d locked announcements tell of the receipt, want 1:\n%s", n, strings.Join(b.Lines(), "\n"))
	}

	var d httpapi.RequestDetail
	getJSON(t, base+"/api/requests/"+id, 200, &d)
	if d.Receipt == nil || *d.Receipt != "/api/requests/"+d.ID+"/receipt" {
		t.Fatalf("detail's receipt %v, want the path of the receipt by ID", d.Receipt)
	}
	code, ct, env := getReceipt(t, base+*d.Receipt)
	if code != 200 || ct != "application/json" {
		t.Fatalf("GET %s: %d %s: %s", *d.Receipt, code, ct, env)
	}
	res, err := receipt.Verify(env, bytes.NewReader(click), key.Public())
	if err != nil {
		t.Fatalf("the receipt served does not verify: %v\n%s", err, env)
	}
	if res.Statement.Predicate.Request != d.UUID || res.Statement.Subject[0].Name != file {
		t.Fatalf("a receipt for %s, %s", res.Statement.Predicate.Request, res.Statement.Subject[0].Name)
	}
	for _, name := range []string{id, d.UUID, id[:4], strings.ToUpper(id)} {
		if code, _, again := getReceipt(t, base+"/api/requests/"+name+"/receipt"); code != 200 || !bytes.Equal(again, env) {
			t.Errorf("by %s: %d, other bytes:\n%s\n%s", name, code, again, env)
		}
	}
	fetched, err := httpapi.FetchReceipt(t.Context(), strings.TrimPrefix(base, "http://"), id)
	if err != nil || !bytes.Equal(fetched, env) {
		t.Errorf("FetchReceipt: %v, other bytes:\n%s", err, fetched)
	}

	path := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.waiting", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"app.qml": "Item {}\n"}})
	b.Say("alice> !stage " + path)
	pending := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	getJSON(t, base+"/api/requests/"+pending, 200, &d)
	if d.Receipt != nil {
		t.Errorf("a pending request links a receipt: %s", *d.Receipt)
	}
	for _, tt := range []struct{ id, says string }{
		{pending, "request " + pending + " has no receipt: it has not been locked (it is pending)"},
		{"ffffffff", "no request with ID ffffffff"},
		{"not-an-id", "no request with ID not-an-id"},
	} {
		if m := getJSON(t, base+"/api/requests/"+tt.id+"/receipt", 404, nil); !strings.HasPrefix(fmt.Sprint(m["error"]), tt.says) {
			t.Errorf("%s: error %q, want %q", tt.id, m["error"], tt.says)
		}
		var remote *httpapi.RemoteError
		if _, err := httpapi.FetchReceipt(t.Context(), strings.TrimPrefix(base, "http://"), tt.id); !errors.As(err, &remote) || remote.Status != 404 {
			t.Errorf("FetchReceipt %s: %v, want the bot's 404", tt.id, err)
		}
	}
	resp, err := http.Post(base+"/api/requests/"+id+"/receipt", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	b.Stop()

	// A restart without receipts.key keeps the receipt made, and makes no new one.
	b, base = startReceiptBot(t, dir, "")
	if code, _, again := getReceipt(t, base+"/api/requests/"+id+"/receipt"); code != 200 || !bytes.Equal(again, env) {
		t.Fatalf("after a restart: %d, other bytes:\n%s\n%s", code, again, env)
	}
	b.Say("sil2100> !approve " + pending)
	b.WaitFor(`^\[` + pending + `\] \S+ locked`)
	want := "request " + pending + " has no receipt: it was locked while receipts were off (no receipts.key)"
	if m := getJSON(t, base+"/api/requests/"+pending+"/receipt", 404, nil); m["error"] != want {
		t.Errorf("locked without receipts.key: error %q, want %q", m["error"], want)
	}
	if b.Count(`^\[`+pending+`\] .*receipt`) != 0 {
		t.Errorf("without receipts.key, a lock told of a receipt:\n%s", strings.Join(b.Lines(), "\n"))
	}
}
