package watch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// maxDocBytes bounds one fetched document: lists and indexes are kilobytes, so anything
// this large is not what we asked for.
const maxDocBytes = 8 << 20

// condGetter does conditional GETs: it remembers each URL's ETag and Last-Modified with the
// body they belong to, so an unchanged document costs the server a 304 and us nothing.
type condGetter struct {
	client *http.Client
	mu     sync.Mutex
	cache  map[string]cached
}

type cached struct {
	etag, lastModified string
	body               []byte
}

func newCondGetter(client *http.Client) *condGetter {
	return &condGetter{client: client, cache: map[string]cached{}}
}

// get returns the document's body and whether it is the same as the last one returned for
// url (a 304).
func (g *condGetter) get(ctx context.Context, url string) ([]byte, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, false, err
	}
	g.mu.Lock()
	prev, ok := g.cache[url]
	g.mu.Unlock()
	if ok {
		if prev.etag != "" {
			req.Header.Set("If-None-Match", prev.etag)
		}
		if prev.lastModified != "" {
			req.Header.Set("If-Modified-Since", prev.lastModified)
		}
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && ok:
		return prev.body, true, nil
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxDocBytes {
		return nil, false, fmt.Errorf("GET %s: larger than %d bytes", url, maxDocBytes)
	}
	g.mu.Lock()
	g.cache[url] = cached{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified"), body: body}
	g.mu.Unlock()
	return body, false, nil
}

// forget drops url's validators, so the next get fetches the whole document again: used
// when a document was refused, so a fixed copy is not hidden behind a 304.
func (g *condGetter) forget(url string) {
	g.mu.Lock()
	delete(g.cache, url)
	g.mu.Unlock()
}
