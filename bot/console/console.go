// Package console is the chat adapter on stdin/stdout: each input line is one message,
// `NAME> text` speaks as user NAME, a line without a prefix as the default user. Replies and
// announcements go to the output. It is the embedded default's only chat, and a test harness.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// Adapter reads chat from in and writes to out.
type Adapter struct {
	in          io.Reader
	out         io.Writer
	defaultUser string
	nick        string
	prefix      string
	log         *slog.Logger
	// greet: a person types at a terminal, and is told first how to speak.
	greet bool

	mu     sync.Mutex // one line at a time on out
	broken atomic.Bool
}

// Config is what the adapter needs, mapped from the bot's config by whoever assembles it.
type Config struct {
	In  io.Reader
	Out io.Writer
	// DefaultUser speaks the lines without a `NAME>` prefix; "" = "console".
	DefaultUser string
	// Nick is the bot's name people may address it by.
	Nick string
	// Prefix is command_prefix, which the words of every command the bot names start with.
	Prefix string
	// Log hears what the console waits for at EOF; nil = slog.Default().
	Log *slog.Logger
}

// New makes the console adapter.
func New(cfg Config) (*Adapter, error) {
	if cfg.In == nil || cfg.Out == nil {
		return nil, errors.New("console: input and output are required")
	}
	if cfg.DefaultUser == "" {
		cfg.DefaultUser = "console"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Adapter{in: cfg.In, out: cfg.Out, defaultUser: cfg.DefaultUser, nick: cfg.Nick, prefix: cfg.Prefix, log: cfg.Log,
		greet: isTerminal(cfg.In)}, nil
}

// Name is the adapter's outbox key.
func (a *Adapter) Name() string { return "console" }

// Connected is true while the output takes lines.
func (a *Adapter) Connected() bool { return !a.broken.Load() }

var speaker = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]{0,63})> ?(.*)$`)

// ParseLine splits `NAME> text` into the user and the text.
func ParseLine(line, defaultUser string) (user, text string) {
	if m := speaker.FindStringSubmatch(line); m != nil {
		return m[1], m[2]
	}
	return defaultUser, line
}

// Run hands input lines to the core in order until EOF (then returns nil) or ctx ends: the
// core keeps a script's order (apart from a !stage's download and inspection, which holds
// no later line) and, at EOF, finishes what the lines started before it drains.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	if a.greet {
		_ = a.print(a.howToSpeak()) // an output that fails is marked broken by print
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case line := <-lines:
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) == "" {
				continue
			}
			user, text := ParseLine(line, a.defaultUser)
			id := stagebot.Identity{Network: stagebot.NetworkConsole, ID: user, Name: user}
			reply := func(m chat.Message) error { return a.print(user + ": " + chat.Plain(m, a.prefix)) }
			in.Message(ctx, bot.Inbound{Author: id, Text: text, BotNick: a.nick, LocalPaths: true, AnnouncedHere: true,
				Reply: reply, Private: reply})
		}
	}
}

// howToSpeak is what a person at a terminal is told first: a script or a test, reading
// the output, is not told.
func (a *Adapter) howToSpeak() string {
	p := a.prefix
	return fmt.Sprintf("Type a command as %s (%shelp lists them), or speak as anyone with NAME> text, as in alice> %sstage PATH.\n"+
		"Ctrl-D ends the console.", a.defaultUser, p, p)
}

// Channels is stdout alone.
func (a *Adapter) Channels() []string { return []string{""} }

// Send prints an announcement; the console has no handle for it.
func (a *Adapter) Send(ctx context.Context, _ string, m bot.Outgoing) (string, error) {
	return "", a.print(chat.Plain(m.Message, a.prefix))
}

func (a *Adapter) print(text string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(a.out, b.String()); err != nil {
		a.broken.Store(true)
		return fmt.Errorf("console output: %w", err)
	}
	return nil
}
