package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/floodgate"
	"stagebot/commands"
)

// incoming is a message or app_mention, reduced to what the bot acts on.
type incoming struct {
	channel, user, text, ts, thread string
	channelType                     string // "im" for a DM to the bot
	files                           []slack.File
}

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

func (a *Adapter) message(ctx context.Context, in incoming) {
	if in.user == "" || in.user == a.bot() || !(a.channels[in.channel] || in.direct()) {
		return
	}
	// Slack sends a mention of the bot twice, as message and as app_mention.
	if !a.messages.first(messageRef(in.channel, in.ts)) {
		return
	}
	nick := "<@" + a.bot() + ">"
	text := commandText(in.text, a.bot())
	if in.direct() {
		text = a.directText(text, nick)
	}
	// Chatter in the channel is no command and costs the person nothing.
	if a.isCommand(text, nick) && !a.admit(ctx, in.user, in.channel) {
		return
	}
	a.work.do(in.user, func() {
		h := a.h()
		if h == nil || ctx.Err() != nil {
			return
		}
		// The configured channels hear announcements: a `!stage` there is answered by its
		// request message alone (contract section 3).
		m := bot.Message{Actor: a.identity(ctx, in.user), Text: text, BotNick: nick, AnnouncedHere: a.channels[in.channel],
			Reply: a.answer(ctx, h, in)}
		if isStage(a.cfg.CommandPrefix, nick, text) {
			files := in.files
			if len(files) == 0 && in.thread != "" && in.thread != in.ts {
				files = a.parentFiles(ctx, in.channel, in.thread)
			}
			m.Attachments = a.attachments(files)
			if in.thread != "" && in.thread != in.ts {
				defer a.origins.begin(in.user, in.channel, in.thread)()
			}
		}
		h.Message(ctx, m)
	})
}

// isCommand asks the bot whether text is a command; a handler that cannot tell gets every
// line counted as one.
func (a *Adapter) isCommand(text, nick string) bool {
	if c, ok := a.h().(bot.CommandClassifier); ok {
		command, _ := c.Classify(text, nick)
		return command
	}
	return true
}

// admit applies limits.commands to user. It runs on the event loop, before the work is
// queued, so a flood costs no users.info lookup and no queue space: the first command over
// the limit gets one ephemeral "slow down" in channel, the rest of the burst nothing.
func (a *Adapter) admit(ctx context.Context, user, channel string) bool {
	return a.admitWarning(ctx, user, func(text string) { a.tell(ctx, channel, user, "slow-down reply", text) })
}

// admitWarning is admit with the "slow down" (escaped text) shown to user by warn.
func (a *Adapter) admitWarning(ctx context.Context, user string, warn func(text string)) bool {
	switch a.flood.Check(stagebot.Identity{Network: stagebot.NetworkSlack, ID: user}.Who()) {
	case floodgate.Allow:
		return true
	case floodgate.Warn:
		a.log.Info("command limit reached; dropping the rest of the burst", "user", user)
		text := fmt.Sprintf("slow down: at most %d commands per %s; commands over that are ignored",
			a.cfg.CommandLimit, a.cfg.CommandPer)
		// Behind the person's own queued commands, so it reads after their answers.
		a.work.do(user, func() { warn(escape(text)) })
	}
	return false
}

// isStage tells a `!stage` apart, so files are looked up only for it.
func isStage(prefix, nick, text string) bool {
	line, ok := commands.Parse(prefix, nick, text)
	if !ok {
		return false
	}
	word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return strings.EqualFold(word, "stage")
}

// reaction handles a reaction on one of the bot's messages: on any message about a request
// it decides on that request; on one about none, an approval or rejection gets a note to
// the person alone. Reactions on people's messages are theirs, and cost nothing.
func (a *Adapter) reaction(ctx context.Context, user, name, itemUser string, item slackevents.Item, added bool) {
	if user == "" || user == a.bot() || item.Type != "message" || !a.channels[item.Channel] {
		return
	}
	if itemUser != "" && itemUser != a.bot() {
		return
	}
	verb, ok := reactionVerb(name, added)
	if !ok || !a.admit(ctx, user, item.Channel) {
		return
	}
	a.work.do(user, func() {
		h := a.h()
		if h == nil || ctx.Err() != nil {
			return
		}
		id := a.requestAt(ctx, h, item.Channel, item.Timestamp)
		if id == "" {
			a.log.Debug("reaction on a message about no request", "channel", item.Channel, "ts", item.Timestamp)
			if added {
				a.noRequest(ctx, item.Channel, user)
			}
			return
		}
		a.decide(ctx, h, item.Channel, user, id, verb)
	})
}

func (a *Adapter) buttons(ctx context.Context, cb slack.InteractionCallback) {
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	if cb.User.ID == "" || !a.channels[channel] {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		verb, ok := buttonVerb(act.ActionID)
		if !ok || act.Value == "" || !a.admit(ctx, cb.User.ID, channel) {
			continue
		}
		a.work.do(cb.User.ID, func() {
			h := a.h()
			if h == nil || ctx.Err() != nil {
				return
			}
			a.decide(ctx, h, channel, cb.User.ID, act.Value, verb)
		})
	}
}

// decide hands a reaction or a button to the bot: refusals go to the person alone,
// confirmations into the request's thread, each queued in its lane.
func (a *Adapter) decide(ctx context.Context, h bot.Handler, channel, user, requestID string, verb bot.Verb) {
	actor := a.identity(ctx, user)
	h.Decide(ctx, bot.Decision{Actor: actor, RequestID: requestID, Verb: verb,
		Private: func(text string) error {
			a.tell(ctx, channel, user, "refusal", escape(text))
			return nil
		},
		Public: func(text string) error {
			a.later(ctx, channelLane(channel), "confirmation", func() error {
				a.noteDecision(ctx, h, channel, requestID, actor, verb)
				thread := a.threads.root(h, requestID, channel)
				return a.postAbout(ctx, h, channel, thread, escape(text), nil, requestID)
			})
			return nil
		},
	})
}

// identity is the person behind a Slack user ID; the display name is for text only.
func (a *Adapter) identity(ctx context.Context, user string) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkSlack, ID: user, Name: a.users.name(ctx, user)}
}
