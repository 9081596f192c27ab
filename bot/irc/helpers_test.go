package irc_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/clicktest"
	"stagebot/internal/ircdtest"
)

// The whole-bot tests here run stagebot with bottest; these are the IRC pieces they share.

const channel = "#stage"

// onIRC is what puts a test bot on an IRC server, as YAML for bottest.Options.Extra.
type onIRC struct {
	addr     string
	channels []string // #stage when none
	// sendRate and sendBurst are irc.send_rate and send_burst; 0 is 100 and 50, as fast as
	// any test sends.
	sendRate, sendBurst int
	more                string // further keys of the irc section, each line "  key: value\n"
	// commands is limits.commands; "" is 0, no limit: tests send their commands in bursts.
	commands string
	baseURL  string // downloads.base_url, when set
	nick     string // irc.nick; "" is stagebot
}

func (o onIRC) yaml() string {
	channels := o.channels
	if len(channels) == 0 {
		channels = []string{channel}
	}
	rate, burst := o.sendRate, o.sendBurst
	if rate == 0 {
		rate, burst = 100, 50
	}
	commands := o.commands
	if commands == "" {
		commands = "0"
	}
	nick := o.nick
	if nick == "" {
		nick = "stagebot"
	}
	y := fmt.Sprintf("irc:\n  server: %q\n  nick: %q\n  channels: [%s]\n  send_rate: %d\n  send_burst: %d\n%slimits:\n  commands: %s\n",
		o.addr, nick, quoteAll(channels), rate, burst, o.more, commands)
	if o.baseURL != "" {
		// The test servers are on this machine: typed URLs reach them only through a host named.
		y += fmt.Sprintf("downloads:\n  base_url: %q\n  allowed_hosts: [\"127.0.0.1\"]\n", o.baseURL)
	}
	return y
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// serveClicks serves dir at /clicks/.
func serveClicks(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/clicks/", http.FileServer(http.Dir(dir))))
	t.Cleanup(srv.Close)
	return srv.URL + "/clicks/"
}

func buildClick(t *testing.T, dir, name, version string) string {
	t.Helper()
	p := clicktest.Build(t, dir, clicktest.Spec{Name: name, Version: version, Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"share/" + name + ".txt": "payload of " + name + " " + version}})
	return filepath.Base(p)
}

var idRE = regexp.MustCompile(`\[([0-9a-f]{8})\]`)

// requestID reads the ID from a reply or announcement.
func requestID(t *testing.T, m *irc.Message) string {
	t.Helper()
	sub := idRE.FindStringSubmatch(m.Trailing())
	if sub == nil {
		t.Fatalf("no request ID in %s", m)
	}
	return sub[1]
}

// announcement matches the bot's channel line about id with word and filename.
func announcement(id, filename, word string) func(*irc.Message) bool {
	return func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), channel) &&
			strings.Contains(m.Trailing(), "["+id+"] "+filename+" "+word)
	}
}

// awaitBotIn waits until the bot is in the channel. c must have joined it (or sent its
// JOIN): then either a names list c receives shows the bot, or the bot's JOIN reaches c
// after it, so one NAMES and the lines that follow settle it without polling.
func awaitBotIn(t *testing.T, c *ircdtest.Client, wait time.Duration) {
	t.Helper()
	awaitNickIn(t, c, "stagebot", wait)
}

// awaitNickIn is awaitBotIn for a bot whose nick is nick.
func awaitNickIn(t *testing.T, c *ircdtest.Client, nick string, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	c.Send("NAMES %s", channel)
	botJoin := func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, nick) && strings.EqualFold(m.Param(0), channel)
	}
	for {
		m, ok := c.Await(time.Until(deadline), func(m *irc.Message) bool {
			return m.Command == "353" || m.Command == "366" || botJoin(m)
		})
		switch {
		case !ok:
			t.Fatalf("%s not in %s within %s", nick, channel, wait)
		case m.Command == "353" && containsNick(m.Trailing(), nick), botJoin(m):
			return
		case m.Command == "366":
			if _, ok := c.Await(time.Until(deadline), botJoin); !ok {
				t.Fatalf("%s not in %s within %s", nick, channel, wait)
			}
			return
		}
	}
}

func containsNick(names, nick string) bool {
	for _, n := range strings.Fields(names) {
		if strings.TrimLeft(n, "@+%~&") == nick {
			return true
		}
	}
	return false
}

// hostmaskTeam trusts hosts, not nicks alone: InspIRCd here does not resolve hostnames, so
// every client's host is 127.0.0.1.
const hostmaskTeam = `  landing: [{name: sil, irc: "sil!*@127.0.0.1"}, {name: lead, irc: "lead!*@127.0.0.1"}]
  qa: [{name: qa, irc: "qa!*@127.0.0.1"}]
  landers: [{name: "*"}]
`
