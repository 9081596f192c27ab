package slack_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/fakeslack"
)

// awaitResponse waits for a message to the slash command trigger's response_url matching
// pattern, and returns it.
func (b *slackBot) awaitResponse(trigger, pattern string) fakeslack.Response {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	var got fakeslack.Response
	b.fs.Await(bottest.Wait, "a response to "+trigger+" matching "+pattern, func(v fakeslack.View) bool {
		for _, r := range v.Responses() {
			if r.Command == trigger && re.MatchString(r.Text) {
				got = r
				return true
			}
		}
		return false
	})
	return got
}

// TestSlackSlashCommand: `/stagebot status ID`, `/stagebot stage URL`, `/stagebot help` and a
// bare `/stagebot` over Socket Mode: each envelope is acked, and each answer goes to the
// invoker alone through the command's response_url. The request staged this way is
// announced in the channel as any other, and nothing else is posted there.
func TestSlackSlashCommand(t *testing.T) {
	dir := t.TempDir()
	file := clicktest.Build(t, dir, clicktest.Spec{Name: "com.example.slash", Version: "1.0", Framework: fw, Arch: "all",
		Files: map[string]string{"a": "1.0"}})
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	name := file[strings.LastIndexByte(file, '/')+1:]

	// The click's server is on this machine: a typed URL reaches it only through a host named.
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true, Extra: "downloads: {allowed_hosts: [\"127.0.0.1\"]}\n"})
	stage := b.fs.Slash(channel, alice, "/stagebot", "stage "+srv.URL+"/"+name)
	resp := b.awaitResponse(stage, `^[0-9a-f]{8} requested: com\.example\.slash 1\.0 all`)
	id, head := b.awaitRequest(name)
	if !strings.Contains(resp.Text, id) {
		t.Errorf("the answer to /stagebot stage names another request: %q, want %s", resp.Text, id)
	}

	status := b.fs.Slash(channel, ken, "/stagebot", "status "+id)
	b.awaitResponse(status, `^`+id+` \S+ pending`)
	help := b.fs.Slash(channel, mallory, "/stagebot", "help")
	b.awaitResponse(help, `^commands: `)
	bare := b.fs.Slash(fakeslack.DM(mallory), mallory, "/stagebot", "")
	b.awaitResponse(bare, `^commands: `)
	refused := b.fs.Slash(channel, mallory, "/stagebot", "approve "+id)
	b.awaitResponse(refused, `^refused: mallory .* may not approve`)

	b.fs.Await(bottest.Wait, "every envelope acked", func(v fakeslack.View) bool { return v.Unacked() == 0 })
	b.fs.Read(func(v fakeslack.View) {
		for _, r := range v.Responses() {
			if r.ResponseType != "ephemeral" {
				t.Errorf("%s answer to %s: %q", r.ResponseType, r.User, r.Text)
			}
		}
		for _, p := range v.Posts() {
			if p.ThreadTS == "" && p.TS != head {
				t.Errorf("%s got %q", p.Channel, p.Text)
			}
		}
		if n := len(v.Ephemerals()); n != 0 {
			t.Errorf("%d chat.postEphemeral calls, want every answer through response_url", n)
		}
	})
}
