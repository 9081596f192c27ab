package slack_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"
)

// TestSlackAppManifest: deploy/slack-app-manifest.yaml is a Slack app manifest (every key
// one slack-go's Manifest knows) that gives the adapter everything it uses: Socket Mode,
// interactivity for the buttons, /stagebot, the Home and Messages tabs, each event it acts
// on and the scope of each Web API method it calls.
func TestSlackAppManifest(t *testing.T) {
	data, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m slack.Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not a manifest slack-go knows: %v", err)
	}
	if !m.Settings.SocketModeEnabled || m.Settings.Interactivity == nil || !m.Settings.Interactivity.IsEnabled {
		t.Errorf("socket mode %v, interactivity %+v: both are needed", m.Settings.SocketModeEnabled, m.Settings.Interactivity)
	}
	if !m.Features.AppHome.HomeTabEnabled || !m.Features.AppHome.MessagesTabEnabled || m.Features.AppHome.MessagesTabReadOnlyEnabled {
		t.Errorf("app home %+v: the Home tab and a writable Messages tab are needed", m.Features.AppHome)
	}
	if i := slices.IndexFunc(m.Features.SlashCommands, func(c slack.ManifestSlashCommand) bool { return c.Command == "/stagebot" }); i < 0 {
		t.Errorf("no /stagebot among %+v", m.Features.SlashCommands)
	} else if m.Features.SlashCommands[i].Url != "" {
		t.Errorf("/stagebot has a request URL; over Socket Mode it needs none")
	}
	if m.Settings.EventSubscriptions == nil {
		t.Fatal("no event subscriptions")
	}
	// The events the adapter acts on (inbound.go).
	for _, ev := range []string{"message.channels", "message.groups", "message.im", "app_mention",
		"reaction_added", "reaction_removed", "app_home_opened"} {
		if !slices.Contains(m.Settings.EventSubscriptions.BotEvents, ev) {
			t.Errorf("bot event %s is not subscribed", ev)
		}
	}
	// The Web API methods the adapter calls, each with the bot scope Slack documents for it;
	// the events above need theirs too.
	for what, scope := range map[string]string{
		"chat.postMessage, chat.update, chat.postEphemeral": "chat:write",
		"files.info and downloads":                          "files:read",
		"users.info":                                        "users:read",
		"conversations.replies/history in channels":         "channels:history",
		"conversations.replies/history in private channels": "groups:history",
		"message.im":        "im:history",
		"app_mention":       "app_mentions:read",
		"reaction_added":    "reactions:read",
		"the slash command": "commands",
	} {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, scope) {
			t.Errorf("%s needs the bot scope %s", what, scope)
		}
	}
}
