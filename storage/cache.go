package storage

import (
	"sync"

	"stagebot"
)

// maxCached bounds the decoded requests kept in memory (about 1.5 MiB at most, for a
// bot that must stay small for months). The requests people ask about are the few in
// flight; when the cache is full a random entry makes room, rather than tracking use.
const maxCached = 512

// requestCache keeps decoded requests so that `!status` and `!queue` skip JSON decoding,
// most of their cost. It is only ever consulted when it is known to agree with what the
// reading transaction sees:
//
//   - entries hold the latest committed value of their request: a write transaction
//     replaces (commit) or drops (rollback) every request it wrote, once bbolt is done;
//   - a read transaction takes a ticket before it begins; the cache serves and fills it
//     only while no write transaction is open and none has finished since the ticket, so
//     its snapshot is the latest commit and agrees with every entry.
//
// Write transactions never use it: they must see their own writes.
type requestCache struct {
	mu      sync.Mutex
	commits uint64 // write transactions finished so far
	writers int    // write transactions open or waiting for bbolt's writer lock
	m       map[string]*stagebot.Request
}

// ticket is what a read transaction knows of the cache when it begins.
type ticket struct {
	commits uint64
	usable  bool
}

func newRequestCache() *requestCache {
	return &requestCache{m: map[string]*stagebot.Request{}}
}

func (c *requestCache) begin() ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ticket{commits: c.commits, usable: c.writers == 0}
}

func (c *requestCache) validLocked(t ticket) bool {
	return t.usable && c.writers == 0 && c.commits == t.commits
}

// get returns a copy of the cached request, or nil.
func (c *requestCache) get(t ticket, id string) *stagebot.Request {
	if !t.usable {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.m[id]; r != nil && c.validLocked(t) {
		return r.Clone()
	}
	return nil
}

// fill keeps r, which the caller decoded in the ticket's transaction and must not change
// afterwards.
func (c *requestCache) fill(t ticket, r *stagebot.Request) {
	if !t.usable {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.validLocked(t) {
		c.storeLocked(r)
	}
}

func (c *requestCache) storeLocked(r *stagebot.Request) {
	if _, ok := c.m[r.ID]; !ok && len(c.m) >= maxCached {
		for id := range c.m { // Go's map order is random enough for an eviction
			delete(c.m, id)
			break
		}
	}
	c.m[r.ID] = r
}

// beginWrite is called before a write transaction asks bbolt for its lock.
func (c *requestCache) beginWrite() {
	c.mu.Lock()
	c.writers++
	c.mu.Unlock()
}

// endWrite is called once bbolt committed or rolled back: written holds a private copy of
// every request the transaction put, by ID.
func (c *requestCache) endWrite(written map[string]*stagebot.Request, committed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, r := range written {
		if committed {
			c.storeLocked(r)
		} else {
			delete(c.m, id)
		}
	}
	c.commits++
	c.writers--
}
