package slack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"stagebot"
	"stagebot/intake"
)

// attach is how the core finds a message's files, for a command that takes them (a
// `!stage`): the files shared with it, else, for one typed as a reply in a thread, those of
// the thread's first message (an upload the `!stage` answers). Being asked is also the
// adapter's sign that a `!stage` began here, which its request message answers (origin.go).
func (a *Adapter) attach(in incoming) func(ctx context.Context) ([]intake.Source, error) {
	return func(ctx context.Context) ([]intake.Source, error) {
		files := in.files
		if len(files) == 0 && in.inThread() {
			files = a.parentFiles(ctx, in.channel, in.thread)
		}
		srcs := a.attachments(files)
		if a.channels[in.channel] {
			names := lineWords(commandText(in.text, a.bot()))
			for _, s := range srcs {
				names = append(names, s.Value)
			}
			a.origins.add(in.user, in.channel, threadOf(in), names)
		}
		return srcs, nil
	}
}

// attachments turns shared files into intake sources: the .click files when there are any,
// else every file (so a wrong file gets the intake's clear refusal rather than silence).
func (a *Adapter) attachments(files []slack.File) []intake.Source {
	var clicks, all []slack.File
	for _, f := range files {
		all = append(all, f)
		if strings.HasSuffix(f.Name, ".click") {
			clicks = append(clicks, f)
		}
	}
	if len(clicks) > 0 {
		all = clicks
	}
	var out []intake.Source
	for _, f := range all {
		id, name := f.ID, f.Name
		out = append(out, intake.Source{Kind: intake.FromAttachment, Value: name,
			Open: func(ctx context.Context) (io.ReadCloser, int64, error) { return a.open(ctx, id, name) }})
	}
	return out
}

// parentFiles finds the files of the message a thread hangs under, for `!stage` typed as a
// reply to an upload.
func (a *Adapter) parentFiles(ctx context.Context, channel, threadTS string) []slack.File {
	var msgs []slack.Message
	err := a.call(ctx, func() (err error) {
		msgs, _, _, err = a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: threadTS, Limit: 1})
		return err
	})
	if err != nil {
		a.log.Warn("conversations.replies failed; looking in history", "err", err)
		var hist *slack.GetConversationHistoryResponse
		err = a.call(ctx, func() (err error) {
			hist, err = a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Latest: threadTS, Inclusive: true, Limit: 1})
			return err
		})
		if err != nil || hist == nil {
			a.log.Warn("conversations.history failed", "err", err)
			return nil
		}
		msgs = hist.Messages
	}
	for _, m := range msgs {
		if m.Timestamp == threadTS {
			return m.Files
		}
	}
	return nil
}

// open streams a file's bytes: files.info for the download URL, then a GET with the bot
// token. The intake reads through the pipe, so the bytes are never held whole and the
// download stops as soon as the intake stops reading (its byte cap).
func (a *Adapter) open(ctx context.Context, id, name string) (io.ReadCloser, int64, error) {
	var f *slack.File
	err := a.call(ctx, func() (err error) { f, _, _, err = a.api.GetFileInfoContext(ctx, id, 0, 0); return err })
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "file_not_found" || se.Err == "file_deleted") {
			return nil, 0, gone(name)
		}
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "could not look up %s on Slack: %v; try again", name, err)
	}
	if f.IsExternal {
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "%s is an external file; upload the .click to Slack itself", name)
	}
	if f.URLPrivateDownload == "" {
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "%s is not yet available on Slack (still being processed); try again in a moment", name)
	}
	url := f.URLPrivateDownload
	body := newLazyBody(func(pw *io.PipeWriter) {
		err := a.files.GetFileContext(ctx, url, pw)
		var sc slack.StatusCodeError
		if errors.As(err, &sc) && (sc.Code == http.StatusNotFound || sc.Code == http.StatusGone) {
			// Deleted after files.info: the intake reports this as "could not read NAME: ...".
			err = stagebot.Errorf(stagebot.EINVALID, "it is gone from Slack (deleted or no longer shared); upload it again")
		}
		pw.CloseWithError(err)
	})
	size := int64(f.Size)
	if size <= 0 {
		size = -1
	}
	return body, size, nil
}

// lazyBody starts the download on the first Read: a file the intake refuses by its size
// alone (files.info's) is closed unread, and not one byte of it is fetched.
type lazyBody struct {
	once  sync.Once
	start func(pw *io.PipeWriter)
	pr    *io.PipeReader
	pw    *io.PipeWriter
}

func newLazyBody(start func(pw *io.PipeWriter)) *lazyBody {
	pr, pw := io.Pipe()
	return &lazyBody{start: start, pr: pr, pw: pw}
}

func (l *lazyBody) Read(p []byte) (int, error) {
	l.once.Do(func() { go l.start(l.pw) })
	return l.pr.Read(p)
}

// Close stops a download in progress (its writes fail) or keeps it from ever starting.
func (l *lazyBody) Close() error {
	l.once.Do(func() {})
	return l.pr.Close()
}

func gone(name string) error {
	return stagebot.Errorf(stagebot.EINVALID, "%s is gone from Slack (deleted or no longer shared); upload it again", name)
}
