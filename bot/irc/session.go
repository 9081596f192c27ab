package irc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
)

// session is one connection's state. Its handle method runs on irc.v4's read goroutine
// and never blocks on the bot: the core's inbox queues what takes time.
type session struct {
	a   *Adapter
	in  bot.Inbox
	ctx context.Context // the adapter's: the core's work outlives a connection
	w   lineWriter      // control lines (CAP, JOIN, WHOIS...), unpaced
	out *sender         // chat lines, paced

	onReady func()
	// abort ends the connection with the error its run ends with (set by the adapter):
	// the adapter reconnects with backoff, unless the error is a *bot.CredentialError.
	abort func(err error)

	mu         sync.Mutex
	nick       string
	selfMask   string // nick!user@host as the server relays the bot's lines; "" until seen
	userLen    int    // ISUPPORT USERLEN, for the budget while selfMask is unknown
	hostLen    int    // ISUPPORT HOSTLEN
	offered    map[string]string
	caps       map[string]bool
	lsDone     bool
	capPending int
	capEnded   bool
	saslBusy   bool
	saslDone   bool // logged in
	saslWait   bool // no usable sasl offered; waiting for CAP NEW sasl
	registered bool
	ready      bool
	joined     map[string]string // folded channel -> name as configured
	settled    map[string]bool   // joined, or refused by the server
	echoes     map[string]*echoWait
	textEchoes map[string][]*echoWait
	whois      map[string]*whoisWait
	accounts   *accountCache
	botMode    bool // MODE +B (ISUPPORT BOT) sent
	closed     bool
	done       chan struct{}

	// casemap is the server's CASEMAPPING. Outside mu: queues and caches fold nicks
	// on other goroutines; it is stored under mu so the maps keyed by it change with it.
	casemap atomic.Uint32
}

// echoWait is an announcement line waiting for the server's echo.
type echoWait struct {
	requestID string          // the request the line asks approval for, "" for none
	done      chan echoResult // buffered 1
}

// echoResult is how the server answered an announcement line: its echo's msgid ("" when it
// gave none), or why it refused the line.
type echoResult struct {
	msgid string
	err   error
}

// whoisWait collects one WHOIS answer.
type whoisWait struct {
	mask, account string
	failed        bool // ended without an answer (timeout, 263)
	done          chan struct{}
}

var labelSeq atomic.Uint64

func newSession(a *Adapter, in bot.Inbox, ctx context.Context) *session {
	s := &session{a: a, in: in, ctx: ctx, nick: a.cfg.Nick, userLen: defaultUserLen, hostLen: defaultHostLen,
		offered: map[string]string{}, caps: map[string]bool{}, joined: map[string]string{}, settled: map[string]bool{},
		echoes: map[string]*echoWait{}, textEchoes: map[string][]*echoWait{},
		whois: map[string]*whoisWait{}, done: make(chan struct{})}
	s.accounts = newAccountCache(s.fold)
	return s
}

// safeHandle keeps a line the code did not foresee from taking the process down.
func (s *session) safeHandle(m *irc.Message) {
	defer func() {
		if r := recover(); r != nil {
			s.a.log.Error("handling a server line panicked; line dropped", "panic", r, "line", truncate(m.String(), 200))
		}
	}()
	s.handle(m)
}

func (s *session) write(line string) {
	// After an abort closed the connection, the lines still being handled may answer: those
	// writes are expected to fail.
	if err := s.w.Write(line); err != nil && !errors.Is(err, net.ErrClosed) {
		s.a.log.Warn("write failed", "err", err)
	}
}

// handle reacts to one server line.
func (s *session) handle(m *irc.Message) {
	if label := m.Tags["label"]; label != "" && !(m.Command == "PRIVMSG" && s.fromSelf(m)) {
		// A labeled answer that is not our echo: the server refused the line.
		s.finishEcho(label, fmt.Errorf("irc: server answered %s", truncate(m.String(), 200)))
	}
	switch m.Command {
	case "CAP":
		s.handleCap(m)
	case "AUTHENTICATE":
		if m.Param(0) == "+" {
			for _, l := range saslLines(s.a.cfg.SASLMechanism, s.a.cfg.SASLUser, s.a.cfg.SASLPassword) {
				s.write(l)
			}
		}
	case "903", "907":
		// 907: already logged in, which is what we asked for.
		s.a.log.Info("SASL login succeeded", "mechanism", s.a.cfg.SASLMechanism)
		s.mu.Lock()
		s.saslDone = true
		s.mu.Unlock()
		s.capEnd()
	case "904":
		// The services refused the account's credential: the same one would be refused on
		// every reconnect, and a bot that keeps trying gets banned.
		s.refused(s.a.saslSetting(), fmt.Sprintf("SASL %s login failed (%s: %s)", s.a.cfg.SASLMechanism, m.Command, m.Trailing()))
	case "902", "905", "906":
		// Never on without the account: the bot would join as someone anyone could
		// impersonate, and the server may hold its nick for the real owner.
		s.saslFailed(fmt.Sprintf("SASL %s login failed (%s: %s)", s.a.cfg.SASLMechanism, m.Command, m.Trailing()))
	case "464":
		s.refused("irc.password", fmt.Sprintf("the server refused the connection password (%s: %s)", m.Command, m.Trailing()))
	case "001":
		s.mu.Lock()
		s.registered = true
		s.nick = m.Params[0]
		s.capEnded = true // a server without CAP registers us all the same
		anonymous := s.a.cfg.SASLMechanism != "" && !s.saslDone
		s.mu.Unlock()
		if anonymous {
			s.saslFailed("registered without SASL: the server does not negotiate capabilities")
			return
		}
		s.write("JOIN " + strings.Join(s.a.cfg.Channels, ","))
	case "005":
		s.handleISupport(m)
	case "JOIN":
		s.handleJoin(m)
	case "403", "405", "471", "473", "474", "475", "476", "477", "489":
		s.joinRefused(m.Param(1), m.Trailing())
	case "PART":
		if s.fromSelf(m) {
			s.left(m.Param(0))
		}
	case "KICK":
		if s.sameNick(m.Param(1), s.currentNick()) {
			s.left(m.Param(0))
			ch := m.Param(0)
			time.AfterFunc(2*time.Second, func() {
				if !s.isClosed() {
					s.write("JOIN " + ch)
				}
			})
		}
	case "NICK":
		s.handleNick(m)
	case "QUIT":
		s.accounts.forget(m.Prefix.Name)
		if s.sameNick(m.Prefix.Name, s.a.cfg.Nick) {
			s.regain()
		}
	case "ACCOUNT":
		if s.caps2("account-notify") {
			acct := m.Param(0)
			if acct == "*" {
				acct = ""
			}
			s.accounts.set(m.Prefix.Name, m.Prefix.String(), acct)
		}
	case "PRIVMSG":
		s.handlePrivmsg(m)
	case "TAGMSG":
		s.handleTagmsg(m)
	case "396":
		s.hostChanged(m.Param(1))
	case "311":
		s.whoisUpdate(m.Param(1), func(w *whoisWait) { w.mask = m.Param(1) + "!" + m.Param(2) + "@" + m.Param(3) })
	case "330":
		s.whoisUpdate(m.Param(1), func(w *whoisWait) { w.account = m.Param(2) })
	case "318", "401":
		s.whoisEnd(m.Param(1))
	case "263":
		if strings.EqualFold(m.Param(1), "WHOIS") {
			s.a.log.Warn("the server refused a WHOIS for now (263); asking again at the next command")
			s.whoisRefused()
		}
	}
}

func (s *session) handleCap(m *irc.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch strings.ToUpper(m.Param(1)) {
	case "LS":
		offered, more := capLS(m)
		for k, v := range offered {
			s.offered[k] = v
		}
		if more || s.lsDone {
			return
		}
		s.lsDone = true
		want := chooseCaps(s.offered, s.a.cfg.SASLMechanism)
		if len(want) == 0 {
			s.capEndLocked()
			return
		}
		// One REQ per capability: a server refusing one must not cost us the others.
		s.capPending = len(want)
		for _, c := range want {
			s.write("CAP REQ :" + c)
		}
	case "NEW":
		offered := parseCapList(m.Trailing())
		for k, v := range offered {
			s.offered[k] = v
		}
		mech := ""
		if s.saslWait {
			mech = s.a.cfg.SASLMechanism
		}
		for _, c := range chooseCaps(offered, mech) {
			if !s.caps[c] {
				if c == "sasl" {
					s.a.log.Info("the server offers SASL now (CAP NEW); logging in")
				}
				s.write("CAP REQ :" + c)
			}
		}
	case "DEL":
		for name := range parseCapList(m.Trailing()) {
			delete(s.caps, name)
			delete(s.offered, name)
		}
	case "ACK":
		on, off := ackedCaps(m.Trailing())
		for _, c := range on {
			s.caps[c] = true
		}
		for _, c := range off {
			delete(s.caps, c)
		}
		if s.saslWait && s.caps["sasl"] {
			s.saslWait = false
			s.saslBusy = true
			s.write("AUTHENTICATE " + strings.ToUpper(s.a.cfg.SASLMechanism))
			return
		}
		s.capAnsweredLocked()
	case "NAK":
		s.capAnsweredLocked()
	}
}

func (s *session) capAnsweredLocked() {
	if s.capEnded || s.capPending <= 0 {
		return
	}
	s.capPending--
	if s.capPending > 0 {
		return
	}
	if s.a.cfg.SASLMechanism != "" && !s.saslBusy {
		if s.caps["sasl"] {
			s.saslBusy = true
			s.write("AUTHENTICATE " + strings.ToUpper(s.a.cfg.SASLMechanism))
			return
		}
		s.noSASLLocked()
		return
	}
	s.capEndLocked()
}

// noSASLLocked handles a server that offers no SASL, or not the configured mechanism
// (services may be down). With cap-notify the server tells us when that changes, so
// registration is held open for CAP NEW until registerTimeout; without it, the
// connection ends now and the adapter tries again later.
func (s *session) noSASLLocked() {
	why := "the server offers no SASL"
	if v, ok := s.offered["sasl"]; ok && v != "" {
		why = fmt.Sprintf("the server offers SASL %s, not %s", v, s.a.cfg.SASLMechanism)
	}
	if s.caps["cap-notify"] {
		s.saslWait = true
		s.a.setNotReady(why + "; waiting for it (CAP NEW)")
		s.a.log.Error(why+"; holding registration open for CAP NEW sasl", "timeout", s.a.cfg.registerTimeout)
		return
	}
	go s.saslFailed(why)
}

// saslFailed ends a connection that could not log in: it must not go on anonymously.
func (s *session) saslFailed(reason string) {
	s.a.log.Error(reason + "; disconnecting, to retry later")
	s.a.setNotReady(reason)
	if s.abort != nil {
		s.abort(errors.New(reason))
	}
}

// refused ends a connection whose credential the server refused, and with it the
// adapter's run: only the operator can fix setting.
func (s *session) refused(setting, reason string) {
	s.a.setNotReady(reason)
	if s.abort != nil {
		s.abort(&bot.CredentialError{Adapter: s.a.Name(), Setting: setting, Err: errors.New(reason)})
	}
}

func (s *session) capEnd() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.capEndLocked()
}

func (s *session) capEndLocked() {
	if s.capEnded {
		return
	}
	s.capEnded = true
	s.write("CAP END")
}

func (s *session) caps2(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps[name]
}

func (s *session) capList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for c := range s.caps {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (s *session) currentNick() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nick
}

func (s *session) fromSelf(m *irc.Message) bool { return s.sameNick(m.Prefix.Name, s.currentNick()) }

func (s *session) configured(ch string) (string, bool) {
	for _, c := range s.a.cfg.Channels {
		if s.fold(c) == s.fold(ch) {
			return c, true
		}
	}
	return "", false
}

func (s *session) handleJoin(m *irc.Message) {
	ch := m.Param(0)
	if s.fromSelf(m) {
		name, ok := s.configured(ch)
		if !ok {
			return
		}
		s.mu.Lock()
		s.selfMask = m.Prefix.String()
		s.joined[s.fold(ch)] = name
		s.settled[s.fold(ch)] = true
		s.mu.Unlock()
		s.checkReady()
		return
	}
	if s.caps2("extended-join") && len(m.Params) >= 2 {
		acct := m.Params[1]
		if acct == "*" {
			// Not logged in now; only worth caching if we will hear when that changes.
			if !s.caps2("account-notify") {
				return
			}
			acct = ""
		}
		s.accounts.set(m.Prefix.Name, m.Prefix.String(), acct)
	}
}

func (s *session) joinRefused(ch, why string) {
	if _, ok := s.configured(ch); !ok {
		return
	}
	s.a.log.Error("cannot join channel", "channel", ch, "reason", why)
	s.mu.Lock()
	s.settled[s.fold(ch)] = true
	s.mu.Unlock()
	s.checkReady()
}

func (s *session) left(ch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.joined, s.fold(ch))
}

// checkReady tells the adapter once registration is done and every channel answered.
func (s *session) checkReady() {
	s.mu.Lock()
	if s.ready || !s.registered || len(s.joined) == 0 || len(s.settled) < len(s.a.cfg.Channels) {
		s.mu.Unlock()
		return
	}
	s.ready = true
	s.mu.Unlock()
	if s.onReady != nil {
		s.onReady()
	}
}

func (s *session) handleNick(m *irc.Message) {
	old, nick := m.Prefix.Name, m.Param(0)
	s.accounts.rename(old, m.Prefix.String(), nick)
	if s.sameNick(old, s.currentNick()) {
		s.mu.Lock()
		s.nick = nick
		if s.selfMask != "" {
			_, rest, _ := strings.Cut(s.selfMask, "!")
			s.selfMask = nick + "!" + rest
		}
		s.mu.Unlock()
		s.a.log.Info("nick changed", "nick", nick)
		return
	}
	if s.sameNick(old, s.a.cfg.Nick) {
		s.regain()
	}
}

// regain asks for the configured nick back when a collision left us with another.
func (s *session) regain() {
	s.mu.Lock()
	want := s.registered && !s.sameNick(s.nick, s.a.cfg.Nick)
	s.mu.Unlock()
	if want {
		s.write("NICK " + s.a.cfg.Nick)
	}
}

// watch drops a connection that does not get ready in time and keeps asking for the
// configured nick while the bot goes by another.
func (s *session) watch(ctx context.Context, conn net.Conn) {
	register := time.NewTimer(s.a.cfg.registerTimeout)
	defer register.Stop()
	regain := time.NewTicker(s.a.cfg.regainEvery)
	defer regain.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-register.C:
			s.mu.Lock()
			ready := s.ready
			s.mu.Unlock()
			if !ready {
				s.a.log.Warn("not registered and joined in time; dropping the connection", "timeout", s.a.cfg.registerTimeout)
				conn.Close()
				return
			}
		case <-regain.C:
			s.regain()
		}
	}
}

// close fails whatever still waits on this connection.
func (s *session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	for l, w := range s.echoes {
		w.done <- echoResult{err: errGone}
		delete(s.echoes, l)
	}
	for k, ws := range s.textEchoes {
		for _, w := range ws {
			w.done <- echoResult{err: errGone}
		}
		delete(s.textEchoes, k)
	}
}

func (s *session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func newLabel() string { return "sb" + strconv.FormatUint(labelSeq.Add(1), 36) }

// identity is who sent m, with the account when the server vouches for one.
func (s *session) identity(ctx context.Context, m *irc.Message) stagebot.Identity {
	id := stagebot.Identity{Network: stagebot.NetworkIRC, ID: m.Prefix.String(), Name: m.Prefix.Name}
	if s.caps2("account-tag") {
		// With account-tag the server tags every message of a logged-in user; no tag
		// means not logged in.
		id.Account = m.Tags["account"]
		return id
	}
	id.Account = s.whoisAccount(ctx, m.Prefix.Name, id.ID)
	return id
}
