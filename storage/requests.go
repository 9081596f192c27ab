package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"stagebot"
)

// Request returns the request with the full id, or an ENOTFOUND error.
func (t *Tx) Request(id string) (*stagebot.Request, error) {
	v := t.b(bucketRequests).Get([]byte(id))
	if v == nil {
		return nil, stagebot.Errorf(stagebot.ENOTFOUND, "no request %s", stagebot.ShortID(id))
	}
	return t.decodeRequest(id, v)
}

// decodeRequest decodes the stored value v of request id, through the cache in read
// transactions. The caller owns the result.
func (t *Tx) decodeRequest(id string, v []byte) (*stagebot.Request, error) {
	if t.cache != nil {
		if r := t.cache.get(t.ticket, id); r != nil {
			return r, nil
		}
	}
	var r stagebot.Request
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", stagebot.ShortID(id), err)
	}
	if t.cache != nil && r.ID == id {
		t.cache.fill(t.ticket, r.Clone())
	}
	return &r, nil
}

// FindRequest resolves what a person typed: a unique prefix of at least 4 hex digits of
// the UUID. Too short, not hex, unknown and ambiguous prefixes are refused with a reason.
func (t *Tx) FindRequest(prefix string) (*stagebot.Request, error) {
	p := strings.ToLower(strings.TrimSpace(prefix))
	if len(p) < stagebot.MinIDPrefix || len(p) > 36 {
		return nil, stagebot.Errorf(stagebot.EINVALID, "%q is not a request ID: give at least %d hex digits of it", prefix, stagebot.MinIDPrefix)
	}
	for _, c := range p {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return nil, stagebot.Errorf(stagebot.EINVALID, "%q is not a request ID: IDs are hex digits", prefix)
		}
	}
	c := t.b(bucketRequests).Cursor()
	var id, found []byte
	for k, v := c.Seek([]byte(p)); k != nil && bytes.HasPrefix(k, []byte(p)); k, v = c.Next() {
		if found != nil {
			return nil, stagebot.Errorf(stagebot.EINVALID, "ID %s is ambiguous: give more digits", prefix)
		}
		id, found = k, v
	}
	if found == nil {
		return nil, stagebot.Errorf(stagebot.ENOTFOUND, "no request with ID %s", prefix)
	}
	return t.decodeRequest(string(id), found)
}

func packageKey(r *stagebot.Request) []byte {
	var b bytes.Buffer
	b.WriteString(r.Name)
	b.WriteByte(0)
	b.WriteString(r.Arch)
	b.WriteByte(0)
	b.Write(itob(uint64(r.Created.UnixNano())))
	b.WriteString(r.ID)
	return b.Bytes()
}

// PutRequest writes r and keeps the indexes in step with it.
func (t *Tx) PutRequest(r *stagebot.Request) error {
	if r.ID == "" || r.Name == "" {
		return fmt.Errorf("put request: id and name are required")
	}
	if err := putJSON(t.b(bucketRequests), []byte(r.ID), r); err != nil {
		return err
	}
	if t.written != nil {
		t.written[r.ID] = r.Clone()
	}
	if err := t.b(bucketPackages).Put(packageKey(r), []byte(r.ID)); err != nil {
		return err
	}
	if r.State.Final() {
		return t.b(bucketActive).Delete([]byte(r.ID))
	}
	return t.b(bucketActive).Put([]byte(r.ID), []byte(r.State))
}

// Active returns every request not in a final state, oldest first.
func (t *Tx) Active() ([]*stagebot.Request, error) {
	var out []*stagebot.Request
	err := t.b(bucketActive).ForEach(func(k, _ []byte) error {
		r, err := t.Request(string(k))
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	sortByCreated(out)
	return out, err
}

// PackageRequests returns the requests for a package name, oldest first; arch "" means
// every architecture. limit > 0 keeps only the newest limit.
func (t *Tx) PackageRequests(name, arch string, limit int) ([]*stagebot.Request, error) {
	prefix := []byte(name + "\x00")
	if arch != "" {
		prefix = append(prefix, []byte(arch+"\x00")...)
	}
	var ids []string
	c := t.b(bucketPackages).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		ids = append(ids, string(v))
	}
	var out []*stagebot.Request
	for _, id := range ids {
		r, err := t.Request(id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sortByCreated(out)
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// ForEachRequest calls fn for every request in ID order.
func (t *Tx) ForEachRequest(fn func(*stagebot.Request) error) error {
	return t.b(bucketRequests).ForEach(func(k, v []byte) error {
		r, err := t.decodeRequest(string(k), v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}
