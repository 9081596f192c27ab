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
)

// Adapter reads chat from in and writes to out.
type Adapter struct {
	in          io.Reader
	out         io.Writer
	defaultUser string
	nick        string
	team        stagebot.Team
	log         *slog.Logger

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
	// Team renders the mentions of announcements.
	Team stagebot.Team
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
	return &Adapter{in: cfg.In, out: cfg.Out, defaultUser: cfg.DefaultUser, nick: cfg.Nick, team: cfg.Team, log: cfg.Log}, nil
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

// Run handles input lines in order until EOF (then returns nil) or ctx ends: a script's
// order is the order things happen in. A `!stage` (bot.Backgrounder) is the exception: it
// runs beside the lines after it, so its download and inspection hold none of them. At
// EOF Run returns once the stages under way are done, so that their `requested` (or
// refusal) is printed before the bot drains and exits.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
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
	bg, _ := h.(bot.Backgrounder)
	var stages sync.WaitGroup
	var underWay atomic.Int64
	defer func() {
		if n := underWay.Load(); n > 0 {
			a.log.Info("console input ended; finishing the stages under way", "stages", n)
		}
		stages.Wait()
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
			m := bot.Message{Actor: id, Text: text, BotNick: a.nick, LocalPaths: true, AnnouncedHere: true,
				Reply: func(reply string) error { return a.print(user + ": " + reply) }}
			if bg != nil && bg.Background(text, a.nick) {
				stages.Add(1)
				underWay.Add(1)
				go func() {
					defer stages.Done()
					defer underWay.Add(-1)
					h.Message(ctx, m)
				}()
				continue
			}
			h.Message(ctx, m)
		}
	}
}

// Channels is stdout alone.
func (a *Adapter) Channels() []string { return []string{""} }

// Deliver prints an announcement.
func (a *Adapter) Deliver(ctx context.Context, _ string, ann stagebot.Event) error {
	return a.print(bot.Line(a.team, ann, stagebot.NetworkConsole))
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
