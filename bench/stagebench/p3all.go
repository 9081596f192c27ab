package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/internal/dendritetest"
	"stagebot/internal/fakeslack"
)

// P3 with every network: the idle figure of P3 for a bot that has IRC, Slack and Matrix
// configured at once: joined to the P3 channel on InspIRCd, its Socket Mode connection to
// the tests' fake Slack workspace open, its /sync long-polling a local Dendrite (built into
// the tests' cache, internal/dendritetest) from the room it joined. The same state_dir as
// P3, a fresh process: nothing served yet.
func (e *ircEnv) p3AllNetworks(settle time.Duration, ircOnly int64) row {
	r := row{id: "P3", metric: fmt.Sprintf("idle RSS (VmRSS), IRC + Slack + Matrix configured, %v after all three are up", settle)}
	if ircOnly > 0 {
		r.ref = "IRC alone " + mib(ircOnly)
	}
	fail := func(format string, args ...any) row {
		failed = true
		note("P3 IRC + Slack + Matrix: "+format, args...)
		r.stagebot = "n/a (see notes)"
		return r
	}
	tb := &benchTB{}
	defer tb.close()
	slack := fakeslack.Start(tb)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	built := time.Now()
	bin, err := dendritetest.Install(ctx, io.Discard, func() { logf("waiting for Dendrite's build (another process)") })
	if err != nil {
		return fail("Dendrite: %v", err)
	}
	if d := time.Since(built); d > time.Second {
		note("P3 Dendrite %s built (or waited for) in %s", dendritetest.Version, d.Round(time.Second))
	}
	dir := filepath.Join(e.dir, "dendrite")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	hs, err := dendritetest.New(bin, dir, dendritetest.Options{})
	if err != nil {
		return fail("Dendrite: %v", err)
	}
	defer hs.Stop()
	botID, botToken, err := hs.Register("stagebot", "bench-password-bot", false)
	if err != nil {
		return fail("registering the bot: %v", err)
	}
	_, benchToken, err := hs.Register("bencher", "bench-password-bencher", false)
	if err != nil {
		return fail("registering the bencher: %v", err)
	}
	var created struct {
		RoomID string `json:"room_id"`
	}
	if err := matrixCall(hs.URL, benchToken, http.MethodPost, "/createRoom",
		map[string]any{"preset": "public_chat", "room_alias_name": "bench"}, &created); err != nil {
		return fail("creating the room: %v", err)
	}

	cfg := filepath.Join(e.dir, "stagebot-all.yaml")
	base, err := os.ReadFile(e.cfgFile)
	if err != nil {
		return fail("%v", err)
	}
	all := string(base) + fmt.Sprintf("slack:\n  bot_token: %s\n  app_token: %s\n  channels: [CBENCH]\n  api_url: %s\n"+
		"matrix:\n  homeserver: %s\n  user_id: %q\n  access_token: %q\n  rooms: [%q]\n",
		fakeslack.BotToken, fakeslack.AppToken, slack.APIURL(), hs.URL, botID, botToken, hs.Alias("bench"))
	if err := os.WriteFile(cfg, []byte(all), 0o600); err != nil {
		return fail("%v", err)
	}
	args := []string{"run", "--config", cfg}
	if filepath.Base(opt.stagebot) == "stagebench" {
		args[0] = "inproc-bot"
	}
	logPath := filepath.Join(e.dir, "stagebot-all.log")
	sb, err := startProc("stagebot", logPath, e.dir, nil, opt.stagebot, args...)
	if err != nil {
		return fail("%v", err)
	}
	defer sb.stop()
	if err := e.cl.waitJoin("stagebot", 20*time.Second); err != nil {
		return fail("no IRC join within 20 s: %s", tail(logPath))
	}
	up := func(what string, cond func() bool) error {
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) || sb.exited() {
				return fmt.Errorf("%s not up within 30 s: %s", what, tail(logPath))
			}
		}
		return nil
	}
	slackUp := func() bool {
		ok := false
		slack.Read(func(v fakeslack.View) { ok = v.Connected() })
		return ok
	}
	matrixUp := func() bool {
		var members struct {
			Joined map[string]any `json:"joined"`
		}
		err := matrixCall(hs.URL, benchToken, http.MethodGet, "/rooms/"+url.PathEscape(created.RoomID)+"/joined_members", nil, &members)
		log, _ := os.ReadFile(logPath)
		_, joined := members.Joined[botID]
		return err == nil && joined && bytes.Contains(log, []byte("msg=syncing adapter=matrix"))
	}
	for _, c := range []struct {
		what string
		up   func() bool
	}{{"the Slack socket", slackUp}, {"Matrix (joined and syncing)", matrixUp}} {
		if err := up(c.what, c.up); err != nil {
			return fail("%v", err)
		}
	}
	time.Sleep(settle)
	rss, err := vmRSS(sb.cmd.Process.Pid)
	if err != nil {
		return fail("%v", err)
	}
	r.stagebot = mib(rss) + rssSplit(sb.cmd.Process.Pid)
	if ircOnly > 0 {
		r.ratio = ratio(float64(rss), float64(ircOnly))
	}
	hsRSS, _ := hs.RSS()
	note("P3 IRC + Slack + Matrix: Dendrite started in %s and holds %s itself (not counted)",
		hs.StartTime().Round(time.Millisecond), mib(hsRSS>>10))
	if !opt.quick {
		note("P3 IRC + Slack + Matrix stagebot idle RSS by mapping (smaps): %s", rssByMapping(sb.cmd.Process.Pid, 6))
	}
	return r
}

// matrixCall makes one client-server API call (path after /_matrix/client/v3).
func matrixCall(base, token, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+"/_matrix/client/v3"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, out)
}

// benchTB lets the bench run the tests' fake Slack workspace, which asks a test for its
// cleanups and failures: only those methods are called (the embedded TB is nil).
type benchTB struct {
	testing.TB
	cleanups []func()
}

func (b *benchTB) Helper()                           {}
func (b *benchTB) Cleanup(f func())                  { b.cleanups = append(b.cleanups, f) }
func (b *benchTB) Logf(format string, args ...any)   { logf(format, args...) }
func (b *benchTB) Errorf(format string, args ...any) { note("fake Slack: "+format, args...) }
func (b *benchTB) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("fake Slack: "+format, args...))
}

func (b *benchTB) close() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
}
