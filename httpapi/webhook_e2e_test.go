package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"stagebot/httpapi"
	"stagebot/internal/testenv"
)

// A body signed with the secret that is not the webhook's JSON is the sender's mistake, not
// an intrusion or a failure of ours: 400, with a JSON error that says what is wrong, and no
// tick. Unsigned, it stays a 401 whatever it holds.
func TestClickSyncWebhookBadBody(t *testing.T) {
	b, base := startHTTPBot(t)
	for _, tt := range []struct {
		body, says string
	}{
		{`tick`, `not the JSON {"time": RFC3339}`},
		{`[]`, "must be an object"},
		{`{}`, `no "time"`},
		{`{"time": 1458314380}`, `"time" must be a string`},
		{`{"time": "2016-03-18 15:19:40"}`, "not an RFC3339 time"},
	} {
		code, body := hookAnswer(t, base, []byte(tt.body), httpapi.Sign([]byte(secret), []byte(tt.body)))
		var e struct{ Error string }
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, tt.says) {
			t.Errorf("signed %s: %d %s; want 400 with an error saying %q", tt.body, code, body, tt.says)
		}
		if code, _ := hookAnswer(t, base, []byte(tt.body), ""); code != http.StatusUnauthorized {
			t.Errorf("unsigned %s: %d, want 401", tt.body, code)
		}
	}
	now := []byte(`{"time": "` + time.Now().UTC().Format(time.RFC3339) + `"}`)
	if code, body := hookAnswer(t, base, now, httpapi.Sign([]byte(secret), now)); code != http.StatusOK || body != "{\"stored\":0}\n" {
		t.Fatalf("good webhook after the bad ones: %d %s", code, body)
	}
	b.WaitFor(`click-sync tick \(webhook\)`)
	b.Say("alice> !queue") // a marker: everything before it has been printed
	b.WaitFor(`^alice: `)
	if n := b.Count(`click-sync tick \(`); n != 1 {
		t.Fatalf("%d tick announcements, want the good webhook's alone:\n%s", n, strings.Join(b.Lines(), "\n"))
	}
}

func hookAnswer(t *testing.T, base string, body []byte, sig string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/hooks/click-sync", bytes.NewReader(body))
	if sig != "" {
		req.Header.Set(httpapi.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST hook: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

// The README's shell recipe for the webhook (openssl and curl) is a request the bot takes:
// the documented signing is the one verified.
func TestREADMEWebhookRecipe(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	testenv.Tool(t, "openssl") // the recipe runs these two by name
	testenv.Tool(t, "curl")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "is wrong. From a shell:\n\n")
	if !ok {
		t.Fatal("README has no webhook recipe")
	}
	var script []string
	for _, line := range strings.Split(rest, "\n") {
		code, ok := strings.CutPrefix(line, "    ")
		if !ok {
			break
		}
		script = append(script, code)
	}
	if len(script) < 3 {
		t.Fatalf("README's recipe is %d lines", len(script))
	}
	b, base := startHTTPBot(t)
	recipe := strings.ReplaceAll(strings.Join(script, "\n"), "http://localhost:8080", base)
	cmd := exec.Command(bash, "-euo", "pipefail", "-c", recipe)
	cmd.Env = append(os.Environ(), "STAGEBOT_WEBHOOK_SECRET="+secret)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's recipe: %v\n%s\n%s", err, recipe, out)
	}
	b.WaitFor(`click-sync tick \(webhook\)`)
}
