package app_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// jsonRecords parses every log record as one JSON object: with log_format: json, a line
// that is not one is a defect in itself.
func jsonRecords(t *testing.T, log *bottest.Log) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range log.Records() {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log record that is not JSON: %v\n%s", err, line)
		}
		out = append(out, rec)
	}
	return out
}

// matching are the records whose fields include every one of want.
func matching(recs []map[string]any, want map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		ok := true
		for k, v := range want {
			if !reflect.DeepEqual(r[k], v) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// TestJSONLogLines: with log_format: json every record is a JSON object, and each kind of
// line an operator relies on is there with its fields: the start (version, commit,
// adapters by name, state_dir, target), one line per command (who, command, ID, outcome
// and the refusal's code), one per change of state (ID, from, to, actor), and the stop (why,
// how long, what stays queued).
func TestJSONLogLines(t *testing.T) {
	b := bottest.StartWith(t, bottest.Options{Extra: "log_format: json\n"})
	id, file := b.Stage(clicktest.Spec{Name: "com.example.logged", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	b.Say("alice> !approve deadbeef")
	b.WaitFor(`^alice: `)
	b.Say("alice> !frobnicate")
	b.WaitFor(`^alice: `)
	b.Say("alice> !cancel " + id)
	b.WaitFor(`^\[` + id + `\] \S+ cancelled`)
	b.Say("sil2100> !approve " + id)
	b.WaitFor(`^sil2100: `)
	b.Stop()

	recs := jsonRecords(t, b.Log)
	full := func(m map[string]any) map[string]any { m["level"] = "INFO"; return m }
	for _, tt := range []struct {
		name string
		want map[string]any
		// absent are keys the line must not have.
		absent []string
	}{
		{"start", full(map[string]any{"msg": "stagebot running", "version": "dev", "adapters": []any{"console"},
			"state_dir": b.StateDir, "snakefruit": "file://" + b.Snakefruit}), nil},
		{"stage", full(map[string]any{"msg": "command", "who": "console:alice", "command": "stage", "via": "chat",
			"outcome": "ok", "id": id}), []string{"code"}},
		{"approve", full(map[string]any{"msg": "command", "who": "console:sil2100", "command": "approve",
			"outcome": "ok", "id": id}), []string{"code"}},
		{"unknown ID", full(map[string]any{"msg": "command", "who": "console:alice", "command": "approve",
			"outcome": "refused", "code": "not_found"}), []string{"id"}},
		{"unknown command", full(map[string]any{"msg": "command", "command": "frobnicate", "outcome": "refused", "code": "invalid"}), nil},
		{"on an ended request", full(map[string]any{"msg": "command", "who": "console:sil2100", "command": "approve",
			"outcome": "refused", "code": "conflict", "id": id}), nil},
		{"requested", full(map[string]any{"msg": "state change", "id": id, "filename": file, "from": "", "to": "pending", "actor": "alice"}), nil},
		{"approved", full(map[string]any{"msg": "state change", "id": id, "from": "pending", "to": "approved", "actor": "sil2100"}), nil},
		{"locked", full(map[string]any{"msg": "state change", "id": id, "from": "approved", "to": "locked", "actor": "worker"}), nil},
		{"cancelled", full(map[string]any{"msg": "state change", "id": id, "from": "locked", "to": "cancelled", "actor": "alice"}), nil},
		{"stopping", full(map[string]any{"msg": "stagebot stopping", "reason": "chat ended"}), []string{"signal"}},
		{"stopped", full(map[string]any{"msg": "stagebot stopped", "reason": "chat ended", "cut_off": false, "jobs_queued": float64(0)}), []string{"signal"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := matching(recs, tt.want)
			if len(got) != 1 {
				t.Fatalf("%d records with %v, want 1", len(got), tt.want)
			}
			for _, k := range tt.absent {
				if v, ok := got[0][k]; ok {
					t.Errorf("%s=%v in %v", k, v, got[0])
				}
			}
		})
	}
	start := matching(recs, map[string]any{"msg": "stagebot running"})
	if len(start) == 1 && (start[0]["commit"] == "" || start[0]["commit"] == nil) {
		t.Errorf("the start line names no commit: %v", start[0])
	}
	stop := matching(recs, map[string]any{"msg": "stagebot stopped"})
	if len(stop) == 1 {
		if took, _ := stop[0]["took"].(string); !strings.HasSuffix(took, "s") {
			t.Errorf("the stop line says not how long it took: %v", stop[0])
		}
	}
	// Every change of state has its line, and no line tells of one that did not happen.
	if n := len(matching(recs, map[string]any{"msg": "state change"})); n != 4 {
		t.Errorf("%d state change lines, want 4", n)
	}
}

// TestJSONLogCarriesNoSecret: the redaction stands in front of the JSON handler as it does
// in front of the text one. A bot whose base_url and webhook secret are secrets logs, in
// JSON, its start (base_url) and a download of base_url that fails (the URL in the error);
// none of it shows a secret, and what is no secret stays.
func TestJSONLogCarriesNoSecret(t *testing.T) {
	const (
		pass  = "JS0NSECRETPASS"
		token = "JS0NSECRETTOKEN"
		hook  = "JS0NSECRETHOOK"
	)
	b := bottest.StartWith(t, bottest.Options{Extra: `log_format: json
downloads:
  base_url: "http://user:` + pass + `@127.0.0.1:1/clicks/?token=` + token + `"
http:
  listen: 127.0.0.1:0
  webhook_secret: ` + hook + `
`})
	b.Say("alice> !stage com.example.nowhere_1.0_all.click")
	b.WaitFor(`^alice: `)
	b.Stop()

	recs := jsonRecords(t, b.Log)
	if len(matching(recs, map[string]any{"msg": "stagebot running"})) != 1 {
		t.Fatalf("no start line in:\n%s", strings.Join(b.Log.Records(), "\n"))
	}
	for _, line := range b.Log.Records() {
		for _, s := range []string{pass, token, hook} {
			if strings.Contains(line, s) {
				t.Errorf("the JSON log shows %s: %s", s, line)
			}
		}
	}
	// The host stays: the operator must still see where it fetched from.
	if !strings.Contains(strings.Join(b.Log.Records(), "\n"), "127.0.0.1:1/clicks/") {
		t.Errorf("the log lost what is no secret:\n%s", strings.Join(b.Log.Records(), "\n"))
	}
}
