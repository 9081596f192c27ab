// Package irc is the IRC chat adapter: it connects (TLS, SASL) with gopkg.in/irc.v4,
// negotiates the IRCv3 capabilities it uses itself, reconnects forever with backoff, hands
// channel and private messages to the core and +draft/react reactions on the bot's request
// lines as decisions, and posts announcements and replies as chat's guard writes them for
// IRC, paced under one rate limit for the connection.
package irc

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
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
	own       ownLines      // the bot's latest lines, across connections (msgids are the network's)
}

var _ bot.Adapter = (*Adapter)(nil)

// New makes the adapter; nothing is dialled until Run.
func New(cfg Config) (*Adapter, error) {
	if cfg.Server == "" {
		return nil, errors.New("irc: server is required")
	}
	cfg = cfg.withDefaults()
	log := cfg.Log.With("adapter", "irc")
	return &Adapter{cfg: cfg, team: cfg.Team, log: log, up: make(chan struct{})}, nil
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

// saslSetting is the configuration key that holds the SASL credential.
func (a *Adapter) saslSetting() string {
	if strings.EqualFold(a.cfg.SASLMechanism, "EXTERNAL") {
		return "irc.sasl.cert_file"
	}
	return "irc.sasl.password"
}

// Run connects and reconnects until ctx ends, handing what people say to in. A credential
// the server refuses (SASL 904, a server password 464) ends it with a *bot.CredentialError:
// it is never tried again.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	bo := reconnects(a.cfg)
	for {
		err := a.runSession(ctx, in, bo)
		if ctx.Err() != nil {
			return nil
		}
		var refused *bot.CredentialError
		if errors.As(err, &refused) {
			a.log.Error("the server refused the bot's credential; not reconnecting", "setting", refused.Setting, "err", refused.Err)
			return err
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
func (a *Adapter) runSession(ctx context.Context, in bot.Inbox, bo *backoff.Conn) error {
	dctx, cancel := context.WithTimeout(ctx, a.cfg.dialTimeout)
	conn, err := dial(dctx, a.cfg)
	cancel()
	if err != nil {
		return err
	}
	sc := newSafeConn(conn, a.log)
	s := newSession(a, in, ctx)
	client := irc.NewClient(sc, irc.ClientConfig{
		Nick: a.cfg.Nick, Pass: a.cfg.Password, User: a.cfg.User, Name: a.cfg.RealName,
		PingFrequency: a.cfg.pingFrequency, PingTimeout: a.cfg.PingTimeout,
		Handler: irc.HandlerFunc(func(_ *irc.Client, m *irc.Message) { s.safeHandle(m) }),
	})
	s.w = client
	s.out = newSender(client, a.cfg.SendRate, a.cfg.SendBurst)
	var aborted atomic.Pointer[error]
	s.abort = func(err error) {
		aborted.CompareAndSwap(nil, &err)
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
	if err := aborted.Load(); err != nil {
		return *err
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
