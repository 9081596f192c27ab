package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagebot/httpapi"
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
