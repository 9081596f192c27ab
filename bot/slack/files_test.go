package slack_test

import (
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackStageInThreadUnderUpload: `!stage` typed as a thread reply under a message that
// has the .click attached (none on the !stage itself) takes the click from the parent,
// and the reply goes into that thread.
func TestSlackStageInThreadUnderUpload(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.thread", "1.0")
	parent := b.fs.SayWithFiles(channel, alice, "new build, please stage", "F1")
	b.fs.SayInThread(channel, parent, alice, "!stage")
	// The request message answers in that thread.
	id, head := b.awaitRequestIn(parent, file)

	// A thread whose parent has no file: the usual refusal, in that thread.
	bare := b.fs.Say(channel, alice, "anyone around?")
	b.fs.SayInThread(channel, bare, alice, "!stage")
	b.awaitReply(bare, `^usage: !stage`)

	b.fs.React(channel, head, sil, "+1")
	b.awaitReply(parent, `^\[`+id+`\] \S+ locked`)
	b.fs.Read(func(v fakeslack.View) {
		if v.Calls("conversations.replies") == 0 {
			t.Errorf("the parent was not read with conversations.replies")
		}
		if n := v.Served("F1"); n == 0 {
			t.Errorf("the parent's file was never downloaded")
		}
	})
}

// TestSlackFileNotReadyOrDeleted: a file Slack is still processing, one deleted before the
// bot looked it up and one deleted between files.info and the download each get a reply
// that says so, and nothing is recorded: no request, no request message, no announcement.
// Once the first file is ready, the same !stage works.
func TestSlackFileNotReadyOrDeleted(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	pending := b.upload("F1", "com.example.pending", "1.0")
	b.fs.SetFile("F1", func(f *fakeslack.File) { f.NotReady = true })
	b.fs.SayWithFiles(channel, alice, "!stage", "F1")
	b.awaitEphemeral(alice, `^refused: `+pending+` is not yet available on Slack .*try again`)

	gone := b.upload("F2", "com.example.gone", "1.0")
	b.fs.SetFile("F2", func(f *fakeslack.File) { f.Deleted = true })
	b.fs.SayWithFiles(channel, alice, "!stage", "F2")
	b.awaitEphemeral(alice, `^refused: `+gone+` is gone from Slack \(deleted`)

	vanishing := b.upload("F3", "com.example.vanishing", "1.0")
	b.fs.SetFile("F3", func(f *fakeslack.File) { f.DownloadGone = true })
	b.fs.SayWithFiles(channel, alice, "!stage", "F3")
	b.awaitEphemeral(alice, `^refused: could not read `+vanishing+`: it is gone from Slack \(deleted or no longer shared\); upload it again$`)

	n := 0
	b.fs.Read(func(v fakeslack.View) { n = len(v.Ephemerals()) })
	b.fs.Say(channel, alice, "!queue")
	b.fs.Await(bottest.Wait, "the queue", func(v fakeslack.View) bool { return len(v.Ephemerals()) > n })
	b.fs.Read(func(v fakeslack.View) {
		if q := v.Ephemerals()[n].Text; !strings.Contains(strings.ToLower(q), "nothing") && !strings.Contains(strings.ToLower(q), "empty") {
			t.Errorf("queue after refusals = %q, want it empty", q)
		}
		for _, p := range v.Posts() {
			if p.Blocks != "" || strings.Contains(p.Text, " requested") {
				t.Errorf("a request was announced: %q", p.Text)
			}
		}
		if v.Served("F1")+v.Served("F2") != 0 {
			t.Errorf("bytes of unavailable files were served")
		}
	})

	b.fs.SetFile("F1", func(f *fakeslack.File) { f.NotReady = false })
	b.fs.SayWithFiles(channel, alice, "!stage", "F1")
	b.awaitRequest(pending)
}

// TestSlackAttachmentOverMaxBytes: an attachment over downloads.max_bytes is refused with a
// reply naming the limit. When files.info tells the size, not one byte is downloaded; when
// it understates it, the download stops at the cap, long before the end.
func TestSlackAttachmentOverMaxBytes(t *testing.T) {
	const limit = 64 << 10
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true, Extra: "downloads: {max_bytes: 65536}\n"})
	big := make([]byte, 32<<20)
	b.fs.AddFile(fakeslack.File{ID: "F1", Name: "com.example.big_1.0_all.click", Content: big})
	b.fs.SayWithFiles(channel, alice, "!stage", "F1")
	b.awaitEphemeral(alice, `^refused: com\.example\.big_1\.0_all\.click is 32\.0 MiB, over the limit of 64\.0 KiB \(downloads\.max_bytes\)`)

	b.fs.AddFile(fakeslack.File{ID: "F2", Name: "com.example.liar_1.0_all.click", Content: big, Size: 1000})
	b.fs.SayWithFiles(channel, alice, "!stage", "F2")
	b.awaitEphemeral(alice, `^refused: com\.example\.liar_1\.0_all\.click is over the limit of 64\.0 KiB \(downloads\.max_bytes\)`)
	// The download is abandoned: wait until the fake's writer gave up, then count.
	b.fs.Await(bottest.Wait, "the download of F2 to end", func(v fakeslack.View) bool { return v.DownloadsActive() == 0 })
	b.fs.Read(func(v fakeslack.View) {
		if n := v.Served("F1"); n != 0 {
			t.Errorf("%d bytes of F1 served, want none: its size alone refuses it", n)
		}
		// What the fake wrote includes what sat in socket buffers, unread.
		if n := v.Served("F2"); n < limit || n > int64(len(big))/4 {
			t.Errorf("%d bytes of F2 served, want the cap (%d) plus buffers, far short of %d", n, limit, len(big))
		}
		for _, p := range v.Posts() {
			if p.Blocks != "" {
				t.Errorf("a request message was posted: %q", p.Text)
			}
		}
	})
}
