package irc

import (
	"strings"
	"sync"
)

// accountCache remembers the services account of nicks the server told us about
// (extended-join, account-notify, WHOIS 330). An entry holds only for the exact hostmask
// it was learned with and is forgotten when the nick quits or changes, so a nick taken
// over by someone else never inherits the account.
type accountCache struct {
	mu sync.Mutex
	m  map[string]accountEntry
}

type accountEntry struct {
	mask    string
	account string // "" = known not to be logged in
}

func newAccountCache() *accountCache { return &accountCache{m: map[string]accountEntry{}} }

// get returns the account for nick if it was learned for this very hostmask.
func (c *accountCache) get(nick, mask string) (account string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[foldNick(nick)]
	if !ok || !strings.EqualFold(e.mask, mask) {
		return "", false
	}
	return e.account, true
}

func (c *accountCache) set(nick, mask, account string) {
	if nick == "" || mask == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[foldNick(nick)] = accountEntry{mask: mask, account: account}
}

func (c *accountCache) forget(nick string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, foldNick(nick))
}

// foldNick is rfc1459 case folding, the CASEMAPPING InspIRCd and most networks use:
// ASCII plus []\~ as the upper case of {}|^.
func foldNick(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		case c == '[':
			b[i] = '{'
		case c == ']':
			b[i] = '}'
		case c == '\\':
			b[i] = '|'
		case c == '~':
			b[i] = '^'
		}
	}
	return string(b)
}

func sameNick(a, b string) bool { return foldNick(a) == foldNick(b) }

func isChannel(target string) bool {
	return target != "" && (target[0] == '#' || target[0] == '&')
}
