// Package keyed holds the per-key bookkeeping the chat adapters share: work run in order
// per key (a person, a channel, a room) without one key waiting on another, posts in
// flight per key, and a bounded memory of recent keys.
package keyed
