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
	fold func(string) string // the session's casemapping
	mu   sync.Mutex
	m    map[string]accountEntry
}

type accountEntry struct {
	mask    string
	account string // "" = known not to be logged in
}

func newAccountCache(fold func(string) string) *accountCache {
	return &accountCache{fold: fold, m: map[string]accountEntry{}}
}

// reset forgets everything, for a new casemapping: the keys were folded by the old one.
func (c *accountCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// get returns the account for nick if it was learned for this very hostmask.
func (c *accountCache) get(nick, mask string) (account string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[c.fold(nick)]
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
	c.m[c.fold(nick)] = accountEntry{mask: mask, account: account}
}

func (c *accountCache) forget(nick string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, c.fold(nick))
}

func isChannel(target string) bool {
	return target != "" && (target[0] == '#' || target[0] == '&')
}
