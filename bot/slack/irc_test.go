package slack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/app"
	"stagebot/config"
	"stagebot/internal/fakeslack"
	"stagebot/internal/ircdtest"
)

// TestSlackAndIRCShareOnePerson: sil is one team entry with an IRC mask and a Slack ID. His
// reaction on Slack and his !approve on IRC are one person's approval, not two; the record
// is one, and its states are announced on both networks.
func TestSlackAndIRCShareOnePerson(t *testing.T) {
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{"#stage"}})
	fs := fakeslack.Start(t)
	for _, u := range []fakeslack.User{{ID: alice, Name: "alice", DisplayName: "alice"},
		{ID: sil, Name: "sil", DisplayName: "sil"}, {ID: ken, Name: "ken", DisplayName: "ken"}} {
		fs.AddUser(u)
	}
	dir := t.TempDir()
	yaml := fmt.Sprintf(`state_dir: %s
irc: {server: %q, tls: false, nick: stagebot, channels: ["#stage"]}
slack: {bot_token: %s, app_token: %s, channels: [%q], api_url: %s}
team:
  landing: [{name: sil, irc: "sil!*@127.0.0.1", slack: %s}, {name: ken, slack: %s}]
  landers: [{name: "*"}]
policy: {approvals: 2}
snakefruit: {target: "file://%s"}
`, filepath.Join(dir, "state"), srv.Addr, fakeslack.BotToken, fakeslack.AppToken, channel, fs.APIURL(), sil, ken, filepath.Join(dir, "sf"))
	cfg, err := config.Parse("both.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, cfg, strings.NewReader(""), io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })

	silIRC := ircdtest.Dial(t, srv.Addr, "sil")
	silIRC.Join("#stage")
	b := &slackBot{t: t, fs: fs}
	fs.Await(wait, "the bot's socket", func(v fakeslack.View) bool { return v.Connected() })
	file := b.upload("F1", "com.example.both", "1.0")
	id, head := b.stage(alice, "F1", file)

	fs.React(channel, head, sil, "+1")
	b.awaitReply(head, `approval recorded`)
	silIRC.Say("#stage", "!approve "+id)
	silIRC.Expect(ircdtest.TextFrom("stagebot", "already approved"))
	fs.Click(channel, head, ken, "stagebot_approve")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	silIRC.Expect(ircdtest.TextFrom("stagebot", "["+id+"]", file, "locked"))
}
