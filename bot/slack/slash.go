package slack

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"stagebot/bot"
)

// responseClient posts to a slash command's response_url: Slack's own host, named in the
// envelope, so none of the Web API's pacing applies.
var responseClient = &http.Client{Timeout: 30 * time.Second}

// slash runs `/stagebot COMMAND ARGS` like `!COMMAND ARGS` (contract section 3): the
// envelope is acked already, empty, since a `stage` outlasts the three seconds an ack may
// take; the answer goes to the person alone through the command's response_url, which Slack
// documents for answers after the ack (ephemeral unless it says otherwise). A `stage` made
// this way is announced in the channels like any other, and its requester told here.
func (a *Adapter) slash(ctx context.Context, cmd slack.SlashCommand) {
	// Slack sends the app its own commands only; a team may have named it otherwise.
	if cmd.UserID == "" || cmd.UserID == a.bot() {
		return
	}
	nick := "<@" + a.bot() + ">"
	args := strings.TrimSpace(cmd.Text)
	if args == "" {
		args = "help"
	}
	// Addressed to the bot by name, the line goes through the one parser without a prefix.
	text := nick + ": " + args
	respond := a.responder(ctx, cmd)
	if !a.admitWarning(ctx, cmd.UserID, respond) {
		return
	}
	a.work.do(cmd.UserID, func() {
		h := a.h()
		if h == nil || ctx.Err() != nil {
			return
		}
		h.Message(ctx, bot.Message{Actor: a.identity(ctx, cmd.UserID), Text: text, BotNick: nick,
			Reply: func(reply string) error { respond(escape(reply)); return nil }})
	})
}

// responder answers a slash command ephemerally with escaped text, queued in a lane: through
// its response_url, or, for an envelope without one, chat.postEphemeral where it was typed.
func (a *Adapter) responder(ctx context.Context, cmd slack.SlashCommand) func(text string) {
	if cmd.ResponseURL == "" {
		return func(text string) { a.tell(ctx, cmd.ChannelID, cmd.UserID, "slash command answer", text) }
	}
	return func(text string) {
		a.later(ctx, responseLane(cmd.UserID), "slash command answer", func() error {
			return call(ctx, func() error {
				return slack.PostWebhookCustomHTTPContext(ctx, cmd.ResponseURL, responseClient,
					&slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral})
			})
		})
	}
}
