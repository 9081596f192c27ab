package slack_test

import (
	"fmt"
	"testing"

	"stagebot/internal/bottest"
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
	b := startSlackBotOn(t, fs, bottest.Options{NoConsole: true, Approvals: 2,
		Team: fmt.Sprintf(`  landing: [{name: sil, irc: "sil!*@127.0.0.1", slack: %s}, {name: ken, slack: %s}]
  landers: [{name: "*"}]`, sil, ken),
		Extra: fmt.Sprintf("irc: {server: %q, tls: false, nick: stagebot, channels: [\"#stage\"]}\n", srv.Addr) + onSlack{fs: fs}.yaml()})
	silIRC := ircdtest.Dial(t, srv.Addr, "sil")
	silIRC.Join("#stage")
	file := b.upload("F1", "com.example.both", "1.0")
	id, head := b.stage(alice, "F1", file)

	fs.React(channel, head, sil, "+1")
	b.awaitReply(head, `approved 1/2 by sil;`)
	silIRC.Say("#stage", "!approve "+id)
	silIRC.Expect(ircdtest.TextFrom("stagebot", "already approved"))
	fs.Click(channel, head, ken, "stagebot_approve")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	silIRC.Expect(ircdtest.TextFrom("stagebot", "["+id+"]", file, "locked"))
}
