package slack

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"stagebot"
	"stagebot/bot"
)

// incoming is a message or app_mention, reduced to what the bot acts on.
type incoming struct {
	channel, user, text, ts, thread string
	channelType                     string // "im" for a DM to the bot
	files                           []slack.File
}

// direct reports whether the message came in a direct message to the bot (message.im):
// commands work there as in the channels, without the prefix if need be, answered in the
// DM, while announcements still go to the configured channels.
func (in incoming) direct() bool { return in.channelType == "im" }

// inThread reports whether the message is a reply in a thread (in.thread is its root).
func (in incoming) inThread() bool { return in.thread != "" && in.thread != in.ts }

func (a *Adapter) inner(ctx context.Context, ev slackevents.EventsAPIInnerEvent) {
	switch e := ev.Data.(type) {
	case *slackevents.MessageEvent:
		switch e.SubType {
		case "", "file_share", "thread_broadcast":
		default:
			return // edits, deletions, joins: not commands
		}
		if e.BotID != "" {
			return
		}
		in := incoming{channel: e.Channel, user: e.User, text: e.Text, ts: e.TimeStamp, thread: e.ThreadTimeStamp,
			channelType: e.ChannelType}
		if e.Message != nil {
			in.files = e.Message.Files
		}
		a.message(ctx, in)
	case *slackevents.AppMentionEvent:
		if e.BotID != "" {
			return
		}
		a.message(ctx, incoming{channel: e.Channel, user: e.User, text: e.Text, ts: e.TimeStamp,
			thread: e.ThreadTimeStamp, files: e.Files})
	case *slackevents.ReactionAddedEvent:
		a.reaction(ctx, e.User, e.Reaction, e.ItemUser, e.Item, true)
	case *slackevents.ReactionRemovedEvent:
		a.reaction(ctx, e.User, e.Reaction, e.ItemUser, e.Item, false)
	case *slackevents.AppHomeOpenedEvent:
		// The event comes for the Messages tab too; only Home is drawn by the app.
		if e.Tab == "home" && e.User != "" {
			a.home(ctx, e.User)
		}
	}
}

// message hands a message in a configured channel or a DM to the core, which tells a
// command from chatter. Its files are looked up only if the core asks (a `!stage`).
func (a *Adapter) message(ctx context.Context, in incoming) {
	if in.user == "" || in.user == a.bot() || !(a.channels[in.channel] || in.direct()) {
		return
	}
	// Slack sends a mention of the bot twice, as message and as app_mention.
	if !a.messages.first(ref(in.channel, in.ts)) {
		return
	}
	text := commandText(in.text, a.bot())
	a.as(ctx, in.user, func(author stagebot.Identity) {
		a.inbox.Message(ctx, bot.Inbound{Author: author, Text: text, BotNick: "<@" + a.bot() + ">", Direct: in.direct(),
			// The configured channels hear announcements: a `!stage` there is answered by
			// its request message alone (contract section 3).
			AnnouncedHere: a.channels[in.channel],
			Attach:        a.attach(in),
			Reply:         a.reply(ctx, in),
			Private:       a.private(ctx, in)})
	})
}

// as hands work for user to the core in the order it came, with who they are: the lookup
// (users.info, cached) may be slow, and must hold neither the socket nor anyone else. One
// person's messages and decisions reach the core in order; the core runs them.
func (a *Adapter) as(ctx context.Context, user string, fn func(author stagebot.Identity)) {
	a.people.Do(user, func() {
		if ctx.Err() != nil {
			return
		}
		fn(a.identity(ctx, user))
	})
}

// identity is the person behind a Slack user ID; the display name is for text only.
func (a *Adapter) identity(ctx context.Context, user string) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkSlack, ID: user, Name: a.users.name(ctx, user)}
}
