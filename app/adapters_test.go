package app

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"stagebot/bot"
)

// TestNetworksMakeTheAdapterTheyAreNamedFor: each network's factory makes the adapter of its
// name (the key of its outbox cursors) from its section of the config, and nothing without
// one; the adapters come in the order of their names.
func TestNetworksMakeTheAdapterTheyAreNamedFor(t *testing.T) {
	env := adapterEnv{stdin: strings.NewReader(""), stdout: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		memory: func(string) bot.Memory { return noMemory{} }}
	cfg := consoleConfig(t, t.TempDir(), `irc: {server: "irc.test:6667", channels: ["#stage"]}
slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1]}
matrix: {homeserver: "https://matrix.test", user_id: "@stagebot:matrix.test", access_token: syt_1, rooms: ["!stage:matrix.test"]}
`)
	var names []string
	for name, build := range networks {
		a, err := build(cfg, env)
		if err != nil || a == nil {
			t.Fatalf("%s: %v, %v", name, a, err)
		}
		if a.Name() != name {
			t.Errorf("the %s network made an adapter named %s", name, a.Name())
		}
		names = append(names, name)
	}
	adapters, err := buildAdapters(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, a := range adapters {
		built = append(built, a.Name())
	}
	if slices.Sort(names); !slices.Equal(built, names) {
		t.Errorf("adapters %q, want %q", built, names)
	}

	cfg.Console, cfg.IRC, cfg.Slack, cfg.Matrix = false, nil, nil, nil
	for name, build := range networks {
		if a, err := build(cfg, env); a != nil || err != nil {
			t.Errorf("%s without its section: %v, %v", name, a, err)
		}
	}
}

// noMemory is a bot.Memory that keeps nothing: the factories only hand it on.
type noMemory struct{}

func (noMemory) Get(string) (string, error) { return "", nil }
func (noMemory) Put(string, string) error   { return nil }
func (noMemory) Delete(string) error        { return nil }
