// Package slack is the Slack chat adapter: Socket Mode for what people say, react, click
// and type as /stagebot, the Web API for what the bot posts. Each request gets a thread
// headed by its request message, which answers the `!stage` (in the thread it was typed in,
// if any), carries Approve and Reject buttons and is edited to show the current state;
// later announcements about the request are replies in that thread, and a reaction on any
// of the bot's messages there counts on the request. Commands work in the channels, in a DM
// to the bot and as /stagebot; their answers go to the asker alone (ephemeral, in the
// thread asked in, in the DM). The App Home tab lists the requests in flight and the
// viewer's own.
//
// The adapter parses no command and keeps no command limit: the core does both. It keeps
// only what Slack needs: who a user ID is (users.info, cached), which thread and request a
// message of its own belongs to (in memory, and read back from Slack after a restart), and
// one lane per channel for its writes, so that nothing slow in one channel holds another.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
	"stagebot/internal/backoff"
	"stagebot/internal/keyed"
)

// Config is what the adapter needs from the slack section, and from the bot around it.
type Config struct {
	BotToken string
	AppToken string
	Channels []string
	APIURL   string // "" = Slack's
	// CommandPrefix is command_prefix: every command the bot's words name starts with it,
	// and /stagebot COMMAND reaches the core as PREFIX+COMMAND.
	CommandPrefix string
	// Team maps the team names that messages mention to Slack user IDs (Member.Slack), and
	// tells the App Home whose requests are the viewer's.
	Team stagebot.Team
	// Overview is what the App Home shows, and where the request message finds the record
	// after an outcome no announcement reported (an approval withdrawn); nil: no App Home,
	// and no such edit.
	Overview bot.Overview
	// PingInterval is how long the socket may go without Slack's ping before it counts as
	// dead; 0 = slack-go's default (30s).
	PingInterval time.Duration
	// APITimeout bounds each Web API call; 0 = DefaultAPITimeout.
	APITimeout time.Duration
	Log        *slog.Logger
}

// Adapter is the Slack network.
type Adapter struct {
	cfg      Config
	render   chat.Renderer
	api      *slack.Client // the Web API, each call bounded by APITimeout
	files    *slack.Client // file downloads, bounded by whoever reads them
	log      *slog.Logger
	channels map[string]bool
	gate     *reconnectGate

	connected atomic.Bool
	botUser   atomic.Pointer[string] // the bot's user ID, from auth.test; nil until then
	inbox     bot.Inbox              // set by Run before any event is read

	events   *seen         // event_ids and interaction triggers already acted on
	messages *seen         // channel:ts of messages already handled (message and app_mention both come)
	people   *keyed.Serial // each person's messages and decisions, handed to the core in order (people.go)
	reads    *keyed.Serial // reactions being traced to their request, by channel (decisions.go)
	writes   *keyed.Serial // writes to Slack, by lane (writes.go)
	posts    *keyed.InFlight
	users    *users
	known    *known
	origins  *origins

	refusal bot.Refusal // the credential Slack refused, once it did; it ends Run
}

// New makes the adapter; nothing is dialled until Run.
func New(cfg Config) (*Adapter, error) {
	if cfg.BotToken == "" || cfg.AppToken == "" {
		return nil, errors.New("slack: bot_token and app_token are required")
	}
	if len(cfg.Channels) == 0 {
		return nil, errors.New("slack: at least one channel is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CommandPrefix == "" {
		cfg.CommandPrefix = "!"
	}
	if cfg.APITimeout <= 0 {
		cfg.APITimeout = DefaultAPITimeout
	}
	gate := newReconnectGate(timeoutTransport{next: http.DefaultTransport, after: cfg.APITimeout})
	var endpoint []slack.Option
	if cfg.APIURL != "" {
		u := cfg.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		endpoint = append(endpoint, slack.OptionAPIURL(u))
	}
	api := slack.New(cfg.BotToken, append(endpoint, slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Transport: gate}))...)
	files := slack.New(cfg.BotToken, append(endpoint, slack.OptionHTTPClient(&http.Client{Transport: fileTransport(cfg.APITimeout)}))...)
	a := &Adapter{cfg: cfg, render: chat.Renderer{Prefix: cfg.CommandPrefix}, api: api, files: files,
		log: cfg.Log.With("adapter", "slack"), gate: gate, channels: map[string]bool{},
		events: newSeen(4096), messages: newSeen(4096), people: keyed.NewSerial(), reads: keyed.NewSerial(), writes: keyed.NewSerial(),
		posts: keyed.NewInFlight(), known: newKnown(), origins: newOrigins()}
	a.users = newUsers(a.api)
	for _, c := range cfg.Channels {
		a.channels[c] = true
	}
	return a, nil
}

// Name is the outbox key.
func (a *Adapter) Name() string { return "slack" }

// Connected is true while the Socket Mode connection is up (Slack said hello on it).
func (a *Adapter) Connected() bool { return a.connected.Load() }

func (a *Adapter) bot() string {
	if id := a.botUser.Load(); id != nil {
		return *id
	}
	return ""
}

// Run connects and hands Slack's events to in until ctx ends. slack-go reconnects by
// itself, paced by the adapter's reconnectGate. Run returns a *bot.CredentialError when
// Slack refuses a token, at start or later (never retried), and nil when ctx ends.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	a.inbox = in
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.refusal.Arm(cancel)
	if err := a.whoAmI(ctx); err != nil {
		return err
	}
	if err := a.refusal.Err(); err != nil {
		return err
	}
	var opts []socketmode.Option
	if a.cfg.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(a.cfg.PingInterval))
	}
	opts = append(opts, socketmode.OptionLog(slogLogger{a.log}))
	sm := socketmode.New(a.api, opts...)

	drained := make(chan struct{})
	go func() {
		defer close(drained)
		a.drain(ctx, sm)
	}()
	err := sm.RunContext(ctx)
	cancel()
	<-drained
	a.people.Wait()
	a.reads.Wait()
	a.writes.Wait()
	a.connected.Store(false)
	if err := a.refusal.Err(); err != nil {
		return err
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && credentialCode(se.Err) {
		// apps.connections.open is the one call made with the app-level token.
		return &bot.CredentialError{Adapter: a.Name(), Setting: "slack.app_token", Err: err}
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("slack socket mode: %w", err)
}

// whoAmI learns the bot's user ID (to ignore its own messages and read mentions of it),
// retrying while Slack cannot be reached: only a refused token is fatal.
func (a *Adapter) whoAmI(ctx context.Context) error {
	// Slack unreachable at start: ask again after a second, doubling up to a minute.
	bo := backoff.Backoff{Policy: backoff.Policy{Min: time.Second, Max: time.Minute}}
	for {
		var resp *slack.AuthTestResponse
		err := a.call(ctx, func() (err error) { resp, err = a.api.AuthTestContext(ctx); return err })
		if err == nil {
			a.botUser.Store(&resp.UserID)
			return nil
		}
		if err := a.refusal.Err(); err != nil {
			return err
		}
		wait := bo.Next()
		a.log.Warn("auth.test failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// drain reads every event slack-go emits, at once: the channel is small and a stalled
// reader stalls the socket. Envelopes are acked before any work, and no work runs here:
// it goes to the lanes of the people and channels concerned.
func (a *Adapter) drain(ctx context.Context, sm *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-sm.Events:
			a.event(ctx, sm, ev)
		}
	}
}

func (a *Adapter) event(ctx context.Context, sm *socketmode.Client, ev socketmode.Event) {
	a.log.Debug("socket mode event", "type", ev.Type)
	switch ev.Type {
	case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError,
		socketmode.EventTypeInvalidAuth:
		if a.connected.Swap(false) {
			a.log.Warn("socket mode disconnected", "event", ev.Type)
		}
	case socketmode.EventTypeHello:
		a.gate.hello()
		if !a.connected.Swap(true) {
			a.log.Info("socket mode connected")
		}
	case socketmode.EventTypeEventsAPI:
		a.ack(ctx, sm, ev.Request)
		api, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return
		}
		if cb, ok := api.Data.(*slackevents.EventsAPICallbackEvent); ok && !a.events.first(cb.EventID) {
			a.log.Debug("duplicate event ignored", "event_id", cb.EventID)
			return
		}
		a.log.Debug("event", "type", api.InnerEvent.Type)
		a.inner(ctx, api.InnerEvent)
	case socketmode.EventTypeInteractive:
		a.ack(ctx, sm, ev.Request)
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok || cb.Type != slack.InteractionTypeBlockActions {
			return
		}
		if !a.events.first("interaction:" + cb.TriggerID) {
			return
		}
		a.buttons(ctx, cb)
	case socketmode.EventTypeSlashCommand:
		a.ack(ctx, sm, ev.Request)
		cmd, ok := ev.Data.(slack.SlashCommand)
		// An envelope sent again (not acked in time) carries the same trigger_id.
		if !ok || !a.events.first("slash:"+cmd.TriggerID) {
			return
		}
		a.slash(ctx, cmd)
	}
}

func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, req *socketmode.Request) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	if err := sm.AckCtx(ctx, req.EnvelopeID, nil); err != nil && ctx.Err() == nil {
		a.log.Warn("ack failed", "envelope", req.EnvelopeID, "err", err)
	}
}

// slogLogger lets slack-go's socketmode log through the bot's logger, at debug level: it
// narrates every reconnect.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Output(_ int, msg string) error {
	s.l.Debug(strings.TrimSpace(msg))
	return nil
}
