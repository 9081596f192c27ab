package storage

// The bot removes (and ever replaces) only click files it placed itself. Which ones those
// are is recorded here, by filename, before the bot places a file and until it removes it:
// a file already in the folder when a lock starts is a person's unless it is recorded here,
// as a list line is (lines.go).

// OwnFile records that the bot places (or placed) the click file filename, for request id.
func (t *Tx) OwnFile(filename, id string) error {
	return t.b(bucketFiles).Put([]byte(filename), []byte(id))
}

// FileOwner returns the request the bot placed filename for ("" when it did not).
func (t *Tx) FileOwner(filename string) string {
	return string(t.b(bucketFiles).Get([]byte(filename)))
}

// DisownFile records that filename is no longer the bot's (it removed it, or found it was
// not its own).
func (t *Tx) DisownFile(filename string) error {
	return t.b(bucketFiles).Delete([]byte(filename))
}
