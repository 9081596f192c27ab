package slack

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// responseClient posts to a slash command's response_url: Slack's own host, named in the
// envelope, so none of the Web API's pacing applies.
var responseClient = &http.Client{Timeout: 30 * time.Second}

// slash runs `/stagebot COMMAND ARGS` as the chat line `!COMMAND ARGS` (contract section
// 3), a bare `/stagebot` as `!help`: the envelope is acked already, empty, since a `stage`
// outlasts the three seconds an ack may take; the answer goes to the person alone through
// the command's response_url, which Slack documents for answers after the ack (ephemeral
// unless it says otherwise). A `stage` made this way is announced in the channels like any
// other, and its requester told here.
func (a *Adapter) slash(ctx context.Context, cmd slack.SlashCommand) {
	// Slack sends the app its own commands only; a team may have named it otherwise.
	if cmd.UserID == "" || cmd.UserID == a.bot() {
		return
	}
	text := strings.TrimSpace(cmd.Text)
	if text == "" {
		text = "help"
	}
	if !strings.HasPrefix(text, a.cfg.CommandPrefix) {
		text = a.cfg.CommandPrefix + text
	}
	respond := a.responder(ctx, cmd)
	a.as(ctx, cmd.UserID, func(author stagebot.Identity) {
		a.inbox.Message(ctx, bot.Inbound{Author: author, Text: text, BotNick: "<@" + a.bot() + ">",
			Reply: respond, Private: respond})
	})
}

// responder answers a slash command ephemerally, queued in a lane: through its
// response_url, or, for an envelope without one, chat.postEphemeral where it was typed.
func (a *Adapter) responder(ctx context.Context, cmd slack.SlashCommand) func(chat.Message) error {
	if cmd.ResponseURL == "" {
		return func(m chat.Message) error {
			a.tell(ctx, cmd.ChannelID, cmd.UserID, "", "slash command answer", a.text(m))
			return nil
		}
	}
	return func(m chat.Message) error {
		text := a.text(m)
		a.later(ctx, responseLane(cmd.UserID), "slash command answer", func() error {
			return call(ctx, func() error {
				return slack.PostWebhookCustomHTTPContext(ctx, cmd.ResponseURL, responseClient,
					&slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
			})
		})
		return nil
	}
}
