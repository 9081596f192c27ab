// Package irc is the IRC chat adapter: it connects (TLS, SASL) with gopkg.in/irc.v4,
// negotiates the IRCv3 capabilities it uses itself, reconnects forever with backoff,
// turns channel and private messages into commands and +draft/react reactions on the
// bot's request lines into decisions, and delivers announcements to its channels, paced
// per target and split under the 512-byte line limit.
package irc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/floodgate"
	"stagebot/internal/backoff"
)

// Adapter is the IRC network.
type Adapter struct {
	cfg  Config
	team stagebot.Team
	log  *slog.Logger

	connected atomic.Bool
	notReady  atomic.Pointer[string] // why the adapter cannot connect, while that holds
	mu        sync.Mutex
	sess      *session      // the live session, nil between connections
	up        chan struct{} // closed when a session becomes ready; replaced when it ends
	lanes     *lanes
	gate      *floodgate.Gate // nil: no command limit
}

// New makes the adapter; nothing is dialled until Run.
func New(cfg Config) (*Adapter, error) {
	if cfg.Server == "" {
		return nil, errors.New("irc: server is required")
	}
	cfg = cfg.withDefaults()
	log := cfg.Log.With("adapter", "irc")
	return &Adapter{cfg: cfg, team: cfg.Team, log: log, up: make(chan struct{}), lanes: newLanes(log),
		gate: floodgate.New(cfg.CommandLimit, cfg.CommandPer)}, nil
}

// Name is the adapter's outbox key.
func (a *Adapter) Name() string { return stagebot.NetworkIRC }

// Connected is true while the bot is registered and in its channels.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// NotReadyReason says why the adapter is not connected, when it knows (SASL refused,
// say); "" when connected or nothing specific is wrong.
func (a *Adapter) NotReadyReason() string {
	if a.connected.Load() {
		return ""
	}
	if r := a.notReady.Load(); r != nil {
		return *r
	}
	return ""
}

func (a *Adapter) setNotReady(reason string) { a.notReady.Store(&reason) }

// Run connects and reconnects until ctx ends.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	defer a.lanes.wait()
	bo := reconnects(a.cfg)
	for {
		err := a.runSession(ctx, h, bo)
		if ctx.Err() != nil {
			return nil
		}
		wait := bo.Next()
		a.log.Warn("disconnected; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// runSession is one connection, from dialling to its end.
func (a *Adapter) runSession(ctx context.Context, h bot.Handler, bo *backoff.Conn) error {
	dctx, cancel := context.WithTimeout(ctx, a.cfg.DialTimeout)
	conn, err := dial(dctx, a.cfg)
	cancel()
	if err != nil {
		return err
	}
	sc := newSafeConn(conn, a.log)
	s := newSession(a, h, ctx)
	client := irc.NewClient(sc, irc.ClientConfig{
		Nick: a.cfg.Nick, User: a.cfg.User, Name: a.cfg.RealName,
		PingFrequency: a.cfg.PingFrequency, PingTimeout: a.cfg.PingTimeout,
		Handler: irc.HandlerFunc(func(_ *irc.Client, m *irc.Message) { s.safeHandle(m) }),
	})
	s.w = client
	s.out = newSender(client, a.cfg.SendRate, a.cfg.SendBurst)
	var aborted atomic.Pointer[string]
	s.abort = func(reason string) {
		aborted.CompareAndSwap(nil, &reason)
		conn.Close()
	}
	s.onReady = func() {
		bo.Up()
		a.notReady.Store(nil)
		a.mu.Lock()
		a.sess = s
		close(a.up)
		a.mu.Unlock()
		a.connected.Store(true)
		a.log.Info("connected", "server", a.cfg.Server, "nick", s.currentNick(), "caps", s.capList())
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.out.run(sctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); s.watch(sctx, conn) }()

	// CAP LS before irc.v4 sends NICK and USER holds registration open until CAP END, so
	// capabilities and SASL are settled before the server welcomes us.
	if _, err := sc.Write([]byte("CAP LS 302\r\n")); err != nil {
		conn.Close()
		return err
	}
	err = client.RunContext(sctx)
	stop()
	conn.Close()
	a.mu.Lock()
	if a.sess == s {
		a.sess = nil
		a.up = make(chan struct{})
	}
	a.mu.Unlock()
	a.connected.Store(false)
	s.close()
	wg.Wait()
	if r := aborted.Load(); r != nil {
		return errors.New(*r)
	}
	if err == nil {
		err = errGone
	}
	return err
}

// session returns the live session, waiting for one up to wait.
func (a *Adapter) session(ctx context.Context, wait time.Duration) (*session, error) {
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	if s != nil {
		return s, nil // the common case: no timer to make
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		a.mu.Lock()
		s, up := a.sess, a.up
		a.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, errors.New("irc: not connected")
		}
	}
}

// say sends text to target as one or more lines with command (PRIVMSG or NOTICE), on
// who's reply queue, each line addressed to `to` ("to: text") unless to is "". Lines a
// lost connection did not take are sent on the next one: replies are not dropped.
func (a *Adapter) say(ctx context.Context, command, target string, who stagebot.Who, to, text string) error {
	return a.sayPieces(ctx, command, target, who, to, text, nil)
}

// sayPieces is say with the text already split and addressed (pieces != nil), e.g. the
// rest of a reply whose start went out.
func (a *Adapter) sayPieces(ctx context.Context, command, target string, who stagebot.Who, to, text string, pieces []string) error {
	const patience = 2 * time.Minute
	deadline := time.Now().Add(patience)
	split := pieces != nil
	for {
		s, err := a.session(ctx, time.Until(deadline))
		if err != nil {
			return fmt.Errorf("irc: reply to %s not sent: %w", target, err)
		}
		if !split {
			pieces = addressedPieces(text, s.budget(command, target), to)
			split = true
		}
		lines := chatLines(command, target, pieces)
		sent, err := s.out.sendQueued(ctx, replyQueue(who), lines)
		if err == nil {
			return nil
		}
		pieces = pieces[sent:]
		if !errors.Is(err, errGone) || time.Now().After(deadline) {
			return err
		}
	}
}

// addressee is who a reply in target names first: in a channel the person who asked,
// whom a busy channel would otherwise leave guessing; a query is theirs already.
func addressee(target, person string) string {
	if isChannel(target) {
		return person
	}
	return ""
}

// addressedPieces splits text as splitText does, leaving room for "to: " in front of
// every piece and putting it there: a continuation line is as much the asker's as the
// first one.
func addressedPieces(text string, budget int, to string) []string {
	if to == "" {
		return splitText(text, budget)
	}
	prefix := to + ": "
	pieces := splitText(text, max(budget-len(prefix), 16))
	for i, p := range pieces {
		pieces[i] = prefix + p
	}
	return pieces
}

// answer replies to a command the person who gave under nick in target (a channel, or
// the nick in a query), addressed to that nick in a channel.
func (a *Adapter) answer(ctx context.Context, command, target, nick string, who stagebot.Who) func(string) error {
	return a.speak(ctx, command, target, who, addressee(target, nick))
}

// public says something in target for everyone, on who's reply queue: an
// announcement-like line that answers nobody in particular.
func (a *Adapter) public(ctx context.Context, command, target string, who stagebot.Who) func(string) error {
	return a.speak(ctx, command, target, who, "")
}

func (a *Adapter) speak(ctx context.Context, command, target string, who stagebot.Who, to string) func(string) error {
	return func(text string) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		return a.say(ctx, command, target, who, to, text)
	}
}
