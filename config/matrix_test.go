package config

import (
	"errors"
	"strings"
	"testing"
)

// TestMatrixSection: the matrix section and the team's matrix IDs, each problem at its key.
func TestMatrixSection(t *testing.T) {
	team := "team: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	matrix := func(body string) string { return team + "matrix: {" + body + "}\n" }
	good := `homeserver: "https://matrix.example.org", user_id: "@stagebot:example.org", access_token: "${TOKEN}", rooms: ["!AbCdEf:example.org", "#landing:example.org"]`
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"valid", matrix(good), nil},
		{"matrix alone is a chat adapter", matrix(good), nil},
		{"http homeserver and a port", matrix(`homeserver: "http://127.0.0.1:8008", user_id: "@bot:localhost:8448", access_token: t, rooms: ["!x"]`), nil},
		{"room ID without a server part", matrix(`homeserver: "https://h", user_id: "@b:h", access_token: t, rooms: ["!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"]`), nil},
		{"everything missing", matrix(""), []string{"matrix.homeserver", "matrix.user_id", "matrix.access_token: required", "matrix.rooms: at least one"}},
		{"homeserver not a URL", matrix(`homeserver: "matrix.example.org", user_id: "@b:h", access_token: t, rooms: ["!x"]`),
			[]string{`matrix.homeserver: "matrix.example.org" is not a URL`}},
		{"homeserver scheme", matrix(`homeserver: "ftp://h", user_id: "@b:h", access_token: t, rooms: ["!x"]`),
			[]string{"matrix.homeserver: scheme must be one of http, https"}},
		{"user_id without a server", matrix(`homeserver: "https://h", user_id: "@stagebot", access_token: t, rooms: ["!x"]`),
			[]string{`matrix.user_id: "@stagebot" is not a full user ID`}},
		{"user_id without @", matrix(`homeserver: "https://h", user_id: "stagebot:h", access_token: t, rooms: ["!x"]`),
			[]string{"matrix.user_id"}},
		{"token with a space", matrix(`homeserver: "https://h", user_id: "@b:h", access_token: "syt abc", rooms: ["!x"]`),
			[]string{"matrix.access_token"}},
		{"bad rooms", matrix(`homeserver: "https://h", user_id: "@b:h", access_token: t, rooms: ["landing", "#landing", "!x", "!x"]`),
			[]string{`matrix.rooms[0]: "landing" is neither`, `matrix.rooms[1]: "#landing" is neither`, `matrix.rooms[3]: "!x" is listed twice`}},
		{"unknown key", matrix(good + `, device: x`), []string{"matrix.device: unknown key"}},
		{"a key near a known one", matrix(`homeserver: "https://h", user_id: "@b:h", acces_token: t, rooms: ["!x"]`),
			[]string{"matrix.access_token: required", "matrix.acces_token: unknown key (did you mean access_token?)"}},
		{"team matrix IDs", "console: true\nteam: {landing: [{name: a, matrix: \"@sil:example.org\"}, {name: b, matrix: \"sil\"}, {name: c, matrix: \"@*:example.org\"}, {name: d, matrix: \"@sil\"}], landers: [{name: \"*\"}]}\n",
			[]string{`team.landing[1].matrix: "sil" is not a full Matrix user ID`, `team.landing[2].matrix: "@*:example.org"`, `team.landing[3].matrix: "@sil"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(map[string]string{"TOKEN": "syt_abc"}))
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				if cfg.Matrix == nil && strings.Contains(c.yaml, "matrix: {") {
					t.Fatal("the matrix section was not read")
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err %v, want Problems", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, err)
				}
			}
			if len(ps) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ps), len(c.want), err)
			}
		})
	}
}
