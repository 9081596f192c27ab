package irc

import (
	"strings"
	"sync"
)

// accountCache remembers the services account of nicks the server told us about
// (extended-join, account-notify, WHOIS 330). An entry holds only for the exact hostmask
// it was learned with; it is forgotten when the nick quits and follows the connection to
// its new nick on a change, so a nick taken over by someone else never inherits the
// account, while its owner is still known by it under the new nick.
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

// rename follows a NICK from old (whose hostmask was oldMask) to nick: the same
// connection, logged in to the same account (or not) as before.
func (c *accountCache) rename(old, oldMask, nick string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[c.fold(old)]
	delete(c.m, c.fold(old))
	delete(c.m, c.fold(nick))
	_, userHost, hasUser := strings.Cut(oldMask, "!")
	if ok && hasUser && nick != "" && strings.EqualFold(e.mask, oldMask) {
		c.m[c.fold(nick)] = accountEntry{mask: nick + "!" + userHost, account: e.account}
	}
}

func (c *accountCache) forget(nick string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, c.fold(nick))
}

func isChannel(target string) bool {
	return target != "" && (target[0] == '#' || target[0] == '&')
}
