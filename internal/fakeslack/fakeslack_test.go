package fakeslack_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"stagebot/internal/fakeslack"
)

// TestSlackGoSpeaksToTheFake checks the fake against slack-go's own parsing: a Socket Mode
// connection gets hello, a message event arrives typed, the ack reaches the fake, a dropped
// socket reconnects and the unacked envelope comes again.
func TestSlackGoSpeaksToTheFake(t *testing.T) {
	fs := fakeslack.Start(t)
	fs.AddUser(fakeslack.User{ID: "U1", Name: "alice", RealName: "Alice A", DisplayName: "alice"})
	api := slack.New(fakeslack.BotToken, slack.OptionAppLevelToken(fakeslack.AppToken), slack.OptionAPIURL(fs.APIURL()))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sm.RunContext(ctx)

	got := make(chan string, 10)
	go func() {
		for ev := range sm.Events {
			switch ev.Type {
			case socketmode.EventTypeHello:
				got <- "hello"
			case socketmode.EventTypeEventsAPI:
				api := ev.Data.(slackevents.EventsAPIEvent)
				if m, ok := api.InnerEvent.Data.(*slackevents.MessageEvent); ok {
					if m.Text == "ack me" {
						sm.Ack(*ev.Request)
					}
					got <- "message:" + m.Text
				}
			}
		}
	}()
	want := func(s string) {
		t.Helper()
		select {
		case g := <-got:
			if g != s {
				t.Fatalf("got %q, want %q", g, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for %q", s)
		}
	}
	want("hello")
	fs.Say("C1", "U1", "no ack")
	want("message:no ack")
	fs.Say("C1", "U1", "ack me")
	want("message:ack me")
	fs.Await(5*time.Second, "one ack", func(v fakeslack.View) bool { return v.Unacked() == 1 })
	fs.DropSocket()
	want("hello")
	want("message:no ack") // never acked: Slack sends it again

	if u, err := api.GetUserInfo("U1"); err != nil || u.Profile.DisplayName != "alice" {
		t.Fatalf("users.info: %+v %v", u, err)
	}
}

func TestFilesAndRateLimits(t *testing.T) {
	fs := fakeslack.Start(t)
	api := slack.New(fakeslack.BotToken, slack.OptionAPIURL(fs.APIURL()))
	fs.AddFile(fakeslack.File{ID: "F1", Name: "a.click", Content: []byte("hello")})
	f, _, _, err := api.GetFileInfo("F1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := api.GetFile(f.URLPrivateDownload, &buf); err != nil || buf.String() != "hello" {
		t.Fatalf("download: %q %v", buf.String(), err)
	}
	fs.Read(func(v fakeslack.View) {
		if n := v.Served("F1"); n != 5 {
			t.Errorf("served %d bytes, want 5", n)
		}
	})
	fs.SetFile("F1", func(f *fakeslack.File) { f.Size = 2 })
	if f, _, _, err := api.GetFileInfo("F1", 0, 0); err != nil || f.Size != 2 {
		t.Fatalf("files.info with a reported size: %+v %v", f, err)
	}
	fs.SetFile("F1", func(f *fakeslack.File) { f.NotReady = true })
	if f, _, _, err := api.GetFileInfo("F1", 0, 0); err != nil || f.URLPrivateDownload != "" {
		t.Fatalf("file not ready still has a download URL: %+v %v", f, err)
	}
	fs.SetFile("F1", func(f *fakeslack.File) { f.Deleted = true })
	if _, _, _, err := api.GetFileInfo("F1", 0, 0); err == nil || err.Error() != "file_deleted" {
		t.Fatalf("deleted file: %v", err)
	}
	fs.Throttle("chat.postMessage", time.Minute)
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < time.Second {
		t.Fatalf("want a rate limit, got %v", err)
	}
}

// TestSlashCommandThroughSlackGo: slack-go reads the fake's slash_commands envelope as a
// slack.SlashCommand that accepts a response payload, and a message posted to its
// response_url with slack-go's webhook call is kept as the command's response, ephemeral by
// default as on Slack.
func TestSlashCommandThroughSlackGo(t *testing.T) {
	fs := fakeslack.Start(t)
	fs.AddUser(fakeslack.User{ID: "U1", Name: "alice"})
	sm := socketmode.New(slack.New(fakeslack.BotToken, slack.OptionAppLevelToken(fakeslack.AppToken), slack.OptionAPIURL(fs.APIURL())))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sm.RunContext(ctx)
	trigger := fs.Slash("C1", "U1", "/stagebot", "status 1a2b")
	var cmd slack.SlashCommand
	for cmd.TriggerID == "" {
		select {
		case ev := <-sm.Events:
			if ev.Type != socketmode.EventTypeSlashCommand {
				continue
			}
			cmd = ev.Data.(slack.SlashCommand)
			if !ev.Request.AcceptsResponsePayload {
				t.Errorf("a slash command envelope accepts a response payload")
			}
			sm.Ack(*ev.Request)
		case <-time.After(10 * time.Second):
			t.Fatal("no slash command envelope")
		}
	}
	if cmd.TriggerID != trigger || cmd.Command != "/stagebot" || cmd.Text != "status 1a2b" || cmd.UserID != "U1" || cmd.ChannelID != "C1" {
		t.Fatalf("slash command = %+v", cmd)
	}
	if err := slack.PostWebhookContext(ctx, cmd.ResponseURL, &slack.WebhookMessage{Text: "pending"}); err != nil {
		t.Fatal(err)
	}
	if err := slack.PostWebhookContext(ctx, strings.TrimSuffix(fs.APIURL(), "api/")+"commands/T0FAKE/nope", &slack.WebhookMessage{Text: "x"}); err == nil {
		t.Error("a response_url never given out was accepted")
	}
	fs.Await(5*time.Second, "the ack and the response", func(v fakeslack.View) bool {
		rs := v.Responses()
		return v.Unacked() == 0 && len(rs) == 1 && rs[0] == fakeslack.Response{Command: trigger, Channel: "C1", User: "U1",
			Text: "pending", ResponseType: "ephemeral"}
	})
}

// TestAppHomeThroughSlackGo: slack-go reads the fake's app_home_opened as its typed event,
// publishes a home view with views.publish, and the next opening carries that view.
func TestAppHomeThroughSlackGo(t *testing.T) {
	fs := fakeslack.Start(t)
	fs.AddUser(fakeslack.User{ID: "U1", Name: "alice"})
	api := slack.New(fakeslack.BotToken, slack.OptionAppLevelToken(fakeslack.AppToken), slack.OptionAPIURL(fs.APIURL()))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sm.RunContext(ctx)
	opened := func() *slackevents.AppHomeOpenedEvent {
		t.Helper()
		for {
			select {
			case ev := <-sm.Events:
				if ev.Type != socketmode.EventTypeEventsAPI {
					continue
				}
				sm.Ack(*ev.Request)
				if e, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
					return e
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no app_home_opened")
			}
		}
	}
	fs.OpenHome("U1", "home")
	if e := opened(); e.User != "U1" || e.Tab != "home" || e.Channel != fakeslack.DM("U1") || e.View != nil {
		t.Fatalf("app_home_opened = %+v", e)
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hello*", false, false), nil, nil)}}}
	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: view})
	if err != nil || resp.View.Type != slack.VTHomeTab || resp.View.ID == "" {
		t.Fatalf("views.publish: %+v %v", resp, err)
	}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U9", View: view}); err == nil || err.Error() != "user_not_found" {
		t.Errorf("views.publish for nobody: %v, want user_not_found", err)
	}
	fs.OpenHome("U1", "home")
	if e := opened(); e.View == nil || e.View.ID != resp.View.ID {
		t.Errorf("the second opening carries view %q, want %q", e.View.ID, resp.View.ID)
	}
	fs.Read(func(v fakeslack.View) {
		if h, _ := v.Home("U1"); h.Published != 1 || v.HomeText("U1") != "*hello*" {
			t.Errorf("home = %+v, text %q", h, v.HomeText("U1"))
		}
	})
}

// TestHoldsAndChannelRateLimits: a hold keeps one channel's posts unanswered while another's
// go through, answers them on release, and drops a held call whose caller gave up; a held
// answer lets the post land while its caller waits for the release; a rate
// limited channel answers 429 with Retry-After while another does not; a trickled download
// takes its time and arrives whole.
func TestHoldsAndChannelRateLimits(t *testing.T) {
	fs := fakeslack.Start(t)
	api := slack.New(fakeslack.BotToken, slack.OptionAPIURL(fs.APIURL()))
	post := func(ctx context.Context, ch, text string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText(text, false))
		return err
	}
	texts := func(ch string) []string {
		var out []string
		fs.Read(func(v fakeslack.View) {
			for _, p := range v.Posts() {
				if p.Channel == ch {
					out = append(out, p.Text)
				}
			}
		})
		return out
	}

	release := fs.Hold("chat.postMessage", "CSLOW")
	held := make(chan error, 1)
	go func() { held <- post(context.Background(), "CSLOW", "late") }()
	fs.Await(5*time.Second, "the post held", func(v fakeslack.View) bool { return v.Held("chat.postMessage", "CSLOW") == 1 })
	if err := post(context.Background(), "CFAST", "prompt"); err != nil {
		t.Fatalf("a post to another channel: %v", err)
	}
	if got := texts("CSLOW"); len(got) != 0 {
		t.Fatalf("a held post was handled before its release: %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := post(ctx, "CSLOW", "abandoned"); err == nil {
		t.Fatal("a held post whose caller gave up succeeded")
	}
	fs.Await(5*time.Second, "the abandoned call gone", func(v fakeslack.View) bool { return v.Held("chat.postMessage", "CSLOW") == 1 })
	release()
	select {
	case err := <-held:
		if err != nil {
			t.Fatalf("the held post after its release: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held post was not answered after its release")
	}
	if got := texts("CSLOW"); len(got) != 1 || got[0] != "late" {
		t.Errorf("CSLOW has %q, want the held post alone", got)
	}

	release = fs.HoldAnswers("chat.postMessage", "CSLOW")
	answered := make(chan string, 1)
	go func() {
		_, ts, err := api.PostMessage("CSLOW", slack.MsgOptionText("taken", false))
		if err != nil {
			t.Errorf("a post whose answer was held: %v", err)
		}
		answered <- ts
	}()
	fs.Await(5*time.Second, "the answer held", func(v fakeslack.View) bool { return v.Held("chat.postMessage", "CSLOW") == 1 })
	var ts string
	fs.Read(func(v fakeslack.View) {
		posts := v.Posts()
		if last := posts[len(posts)-1]; last.Channel == "CSLOW" && last.Text == "taken" {
			ts = last.TS
		}
	})
	if ts == "" {
		t.Fatal("a post whose answer is held is not in the channel")
	}
	select {
	case got := <-answered:
		t.Fatalf("the caller heard %q before the release", got)
	default:
	}
	release()
	if got := <-answered; got != ts {
		t.Errorf("the caller heard ts %q, want %q", got, ts)
	}

	lift := fs.RateLimit("CSLOW")
	var rl *slack.RateLimitedError
	if err := post(context.Background(), "CSLOW", "limited"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("a post to a rate-limited channel: %v, want 429 with Retry-After 1", err)
	}
	if err := post(context.Background(), "CFAST", "still prompt"); err != nil {
		t.Fatalf("a post to another channel while one is rate limited: %v", err)
	}
	lift()
	if err := post(context.Background(), "CSLOW", "after"); err != nil {
		t.Fatalf("a post after the limit lifted: %v", err)
	}
	fs.Read(func(v fakeslack.View) {
		if n := v.RateLimited("CSLOW"); n != 1 {
			t.Errorf("RateLimited = %d, want 1", n)
		}
	})

	content := bytes.Repeat([]byte("x"), 3*32<<10)
	fs.AddFile(fakeslack.File{ID: "F1", Name: "a.click", Content: content, Trickle: 100 * time.Millisecond})
	f, _, _, err := api.GetFileInfo("F1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var buf bytes.Buffer
	if err := api.GetFile(f.URLPrivateDownload, &buf); err != nil || !bytes.Equal(buf.Bytes(), content) {
		t.Fatalf("trickled download: %d bytes, %v", buf.Len(), err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("three chunks with 100ms between them took %s", took)
	}
}

// TestRevokedTokens: a token revoked while the bot runs is refused on every call made with
// it, with the code given, as slack-go reads Slack's refusals; the other token still works.
func TestRevokedTokens(t *testing.T) {
	fs := fakeslack.Start(t)
	api := slack.New(fakeslack.BotToken, slack.OptionAppLevelToken(fakeslack.AppToken), slack.OptionAPIURL(fs.APIURL()))
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("auth.test before the revocation: %v", err)
	}
	fs.Revoke(fakeslack.BotToken, "token_revoked")
	_, err := api.AuthTest()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "token_revoked" {
		t.Fatalf("auth.test with a revoked bot token: %v, want token_revoked", err)
	}
	if _, _, err := api.StartSocketModeContext(context.Background()); err != nil {
		t.Fatalf("apps.connections.open with the app token, still valid: %v", err)
	}
	fs.Revoke(fakeslack.AppToken, "account_inactive")
	if _, _, err := api.StartSocketModeContext(context.Background()); !errors.As(err, &se) || se.Err != "account_inactive" {
		t.Fatalf("apps.connections.open with a revoked app token: %v, want account_inactive", err)
	}
}
