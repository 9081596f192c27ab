// Package matrix is the Matrix chat adapter, on the client-server API (nothing newer than
// spec v1.2, so Synapse, Dendrite and Conduit all serve it) through mautrix. It long-polls
// /sync and keeps its position in the bot's database (bot.Memory), so a restart neither
// misses nor repeats what was said; it joins the configured rooms (IDs or aliases, resolved
// at start; invites to them accepted), accepts direct rooms (the bot and one other person,
// where the prefix is optional) and declines every other invite.
//
// What it posts is an m.notice from chat's guard (chat.Matrix): the first message about a
// request in a room (its `requested`) is the request's message, a reply to the `!stage`
// where it was typed there, mentioning the approvers as pills with their IDs in m.mentions;
// it is edited (m.replace) to show the request's state as later announcements come, each
// of them a reply to it. Answers to commands are replies to the command. A 👍 or ✅
// reaction on any of the bot's events about a request approves it, ❌ rejects it, and a
// redacted approving reaction withdraws the approval. A room with end-to-end encryption is
// told once that the bot does not take part, and is then left alone.
//
// The adapter parses no command and keeps no limit: the core does both. It keeps only what
// Matrix needs: its /sync position, which reaction was whose approval, what each request
// message said (to edit it), and one write lane per room, so that a room that is slow or
// rate-limited holds up no other.
package matrix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
	"stagebot/internal/backoff"
	"stagebot/internal/keyed"
)

// Defaults of the adapter's timing.
const (
	// DefaultSyncTimeout is how long one /sync waits on the server for something new.
	DefaultSyncTimeout = 30 * time.Second
	// DefaultCallTimeout bounds every other call.
	DefaultCallTimeout = 30 * time.Second
	// DefaultReconnectMax is the longest wait between two attempts to reach the homeserver.
	DefaultReconnectMax = 2 * time.Minute
	// DefaultTimelineLimit is how many events of a room one /sync returns before it says the
	// timeline is limited (the rest is then read back with /messages).
	DefaultTimelineLimit = 100
	// DefaultSyncGrace is how much longer than the server's long-poll the client waits for
	// a /sync to answer: a server that holds the poll past its timeout, or a connection
	// that died silently, ends in an error and a new connection instead of a wait without
	// end.
	DefaultSyncGrace = 20 * time.Second
)

// Config is what the adapter needs from the matrix section, and from the bot around it.
type Config struct {
	// Homeserver is the client-server API's base URL, used as it is (no .well-known).
	Homeserver  string
	UserID      string // the bot's full user ID; the token must belong to it
	AccessToken string
	// Rooms are the configured rooms, by ID (!…) or alias (#…:server). Each is a channel
	// of the adapter under the name written here, so an alias keeps its outbox cursor
	// whichever room it points at.
	Rooms []string
	// CommandPrefix is command_prefix: every command the bot's words name starts with it.
	CommandPrefix string
	// Team maps the names that messages mention to Matrix user IDs (Member.Matrix).
	Team stagebot.Team
	// Memory is where the adapter keeps its /sync position and the rest of what it must
	// remember across restarts; required.
	Memory bot.Memory

	SyncTimeout   time.Duration // 0 = DefaultSyncTimeout
	SyncGrace     time.Duration // 0 = DefaultSyncGrace
	CallTimeout   time.Duration // 0 = DefaultCallTimeout
	ReconnectMax  time.Duration // 0 = DefaultReconnectMax
	TimelineLimit int           // 0 = DefaultTimelineLimit
	Log           *slog.Logger
}

// Adapter is the Matrix network.
type Adapter struct {
	cfg    Config
	render chat.Renderer
	cli    *mautrix.Client
	self   id.UserID
	log    *slog.Logger
	mem    bot.Memory

	inbox     bot.Inbox // set by Run before any event is read
	connected atomic.Bool
	checked   bool // /account/whoami said the token is the configured user's (Run's goroutine only)

	rooms    *rooms
	writes   *keyed.Serial // every write to a room, in that room's lane (send.go)
	reads    *keyed.Serial // reactions and memberships being looked into, by room
	posts    *keyed.InFlight
	mine     *keyed.Recent[string] // events the bot posted: event ID -> request ID ("" for none)
	theirs   *keyed.Recent[string] // events found not to be the bot's
	origins  *origins
	txnStart string // a prefix no earlier run used, for transaction IDs that are not an announcement's
	txn      atomic.Int64

	refusal bot.Refusal // the credential the homeserver refused, once it did; it ends Run
}

// New makes the adapter; nothing is dialled until Run.
func New(cfg Config) (*Adapter, error) {
	if cfg.Homeserver == "" || cfg.UserID == "" || cfg.AccessToken == "" {
		return nil, errors.New("matrix: homeserver, user_id and access_token are required")
	}
	if len(cfg.Rooms) == 0 {
		return nil, errors.New("matrix: at least one room is required")
	}
	if cfg.Memory == nil {
		return nil, errors.New("matrix: no memory to keep the /sync position in")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CommandPrefix == "" {
		cfg.CommandPrefix = "!"
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = DefaultSyncTimeout
	}
	if cfg.SyncGrace <= 0 {
		cfg.SyncGrace = DefaultSyncGrace
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = DefaultReconnectMax
	}
	if cfg.TimelineLimit <= 0 {
		cfg.TimelineLimit = DefaultTimelineLimit
	}
	cli, err := mautrix.NewClient(strings.TrimSuffix(cfg.Homeserver, "/"), id.UserID(cfg.UserID), cfg.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("matrix: homeserver %q: %w", cfg.Homeserver, err)
	}
	// Every call is bounded by its own context (the long-poll by one above its timeout);
	// rate limits and retries are the adapter's (call), never mautrix's, so that a wait
	// holds only its own room's lane.
	cli.Client = &http.Client{}
	cli.DefaultHTTPRetries = 0
	cli.IgnoreRateLimit = true
	start := make([]byte, 6)
	_, _ = rand.Read(start)
	a := &Adapter{cfg: cfg, render: chat.Renderer{Prefix: cfg.CommandPrefix}, cli: cli, self: id.UserID(cfg.UserID),
		log: cfg.Log.With("adapter", "matrix"), mem: cfg.Memory, rooms: newRooms(cfg.Rooms),
		writes: keyed.NewSerial(), reads: keyed.NewSerial(), posts: keyed.NewInFlight(), mine: keyed.NewRecent[string](4096), theirs: keyed.NewRecent[string](4096),
		origins: newOrigins(), txnStart: hex.EncodeToString(start)}
	return a, nil
}

// Name is the outbox key.
func (a *Adapter) Name() string { return stagebot.NetworkMatrix }

// Channels are the configured rooms as written, each with its own place in the outbox.
func (a *Adapter) Channels() []string { return a.cfg.Rooms }

// Connected is true while /sync answers.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Run checks the token, joins the rooms and hands what people say to in until ctx ends,
// reconnecting with the one backoff whenever the homeserver cannot be reached. It returns a
// *bot.CredentialError when the homeserver refuses the token, at start or later (never
// retried), a *bot.ConfigError when the token is another user's, and nil when ctx ends.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	a.inbox = in
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.refusal.Arm(cancel)
	defer func() {
		a.connected.Store(false)
		a.reads.Wait()
		a.writes.Wait()
	}()
	pace := backoff.Conn{Policy: backoff.Policy{Min: time.Second, Max: a.cfg.ReconnectMax, Jitter: true},
		StableAfter: time.Minute}
	for {
		err := a.session(ctx, &pace)
		a.connected.Store(false)
		if refused := a.refusal.Err(); refused != nil {
			return refused
		}
		var wrong *bot.ConfigError
		if errors.As(err, &wrong) {
			a.log.Error("the access token is another user's; stopping", "err", err)
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := pace.Next()
		a.log.Warn("homeserver unreachable; trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// session is one stretch of talking to the homeserver: the token checked (once per run),
// then /sync until something fails, the configured rooms joined on the way.
func (a *Adapter) session(ctx context.Context, pace *backoff.Conn) error {
	if !a.checked {
		if err := a.whoAmI(ctx); err != nil {
			return err
		}
		a.checked = true
	}
	return a.syncLoop(ctx, pace)
}

// whoAmI checks that the token is the configured user's.
func (a *Adapter) whoAmI(ctx context.Context) error {
	var resp *mautrix.RespWhoami
	err := a.call(ctx, func(ctx context.Context) (err error) { resp, err = a.cli.Whoami(ctx); return err })
	if err != nil {
		return fmt.Errorf("/account/whoami: %w", err)
	}
	if resp.UserID != a.self {
		return &bot.ConfigError{Adapter: a.Name(), Setting: "matrix.user_id",
			Err: fmt.Errorf("the access token is %s's, not %s's", resp.UserID, a.self)}
	}
	a.log.Info("token checked", "user", resp.UserID, "device", resp.DeviceID)
	return nil
}
