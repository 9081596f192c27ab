// Package storage keeps stagebot's state in one bbolt file: requests and their indexes, the
// worker's job queue, the hash-chained audit log and a small key/value area for adapters and
// watchers. The announcement outbox lives in the same file in buckets of its own (package
// outbox); a Tx appends to it.
//
// Every state change goes through DB.Update, and the workflow writes a transition, its audit
// entry and the jobs and events it causes inside one Tx: either all of it is on disk or none
// of it is.
package storage
