// Package snakefruit manages the remote folder where locked .click files live beside the list
// file (locked_clicks_list by default): one full filename per line, LF-terminated.
//
// The rules it keeps, whatever the transport (file:// or sftp://):
//
//   - The bot changes only the lines it owns; a person's lines stay where they were.
//   - A new line is appended; a newer version replaces the older line in place.
//   - Every write lands under a temporary name (TempPrefix) and is renamed over its final name,
//     so a reader sees the old or the new content, never a torn one.
//   - Each write has a temporary name of its own (the final name and a token no other process
//     uses), so no writer ever renames another's content into place; the operation that
//     failed, a later one and SweepTemps (Reconcile) remove leftovers.
//   - Over sftp (and in memory) every operation is bounded by the server's silence, not by
//     how long it takes: one that hears nothing for Config.OpTimeout is abandoned and its
//     connection replaced, while a caller giving up ends only its own operation (see
//     connections).
//
// One Target should be the only writer of its folder among bots: the list is guarded against
// people's edits by re-reading before the rename, not by a lock that a person's editor would
// ignore anyway.
package snakefruit
