// Package storage keeps stagebot's state in one bbolt file: requests and their indexes, the
// worker's job queue, the announcement outbox with one delivery cursor per chat adapter,
// the hash-chained audit log and a small key/value area for adapters and watchers.
//
// Every state change goes through DB.Update, and the workflow writes a transition, its audit
// entry and the jobs and announcements it causes inside one Tx: either all of it is on disk
// or none of it is.
package storage
