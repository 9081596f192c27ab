package storage

// The bot changes only list lines it wrote (contract section 6). Which ones those are is
// recorded here, by filename, before the bot writes a line and until it takes the line off:
// a line already on the list when a lock starts is a person's unless it is recorded here
// (another request of the bot's may have written the same filename).

// OwnLine records that the bot writes (or wrote) filename's line, for request id.
func (t *Tx) OwnLine(filename, id string) error {
	return t.b(bucketLines).Put([]byte(filename), []byte(id))
}

// LineOwner returns the request the bot wrote filename's line for ("" when it did not).
func (t *Tx) LineOwner(filename string) string {
	return string(t.b(bucketLines).Get([]byte(filename)))
}

// DisownLine records that filename's line is no longer the bot's (it took it off).
func (t *Tx) DisownLine(filename string) error {
	return t.b(bucketLines).Delete([]byte(filename))
}

// OwnedLines returns every line the bot records as its own: filename to request ID.
func (t *Tx) OwnedLines() map[string]string {
	out := map[string]string{}
	_ = t.b(bucketLines).ForEach(func(k, v []byte) error {
		out[string(k)] = string(v)
		return nil
	})
	return out
}
