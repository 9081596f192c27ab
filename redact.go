package stagebot

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted is what a secret is shown as.
const Redacted = "REDACTED"

// RedactURL is a URL as it may be shown anywhere (chat, logs, the status page): without its
// user information (user:password@) and with the values of query parameters whose names
// look like secrets (token, key, sig, signature, password, secret, auth...) replaced by
// REDACTED. downloads.base_url may carry credentials, and a URL a user typed may carry a
// signed token; neither belongs in a channel or a log. Text that is not a URL comes back
// unchanged.
func RedactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redactByHand(scheme, rest)
	}
	changed := false
	if u.User != nil {
		u.User = nil
		changed = true
	}
	if u.RawQuery != "" {
		if q, ok := redactQuery(u.RawQuery); ok {
			u.RawQuery = q
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return u.String()
}

// redactByHand handles what url.Parse refuses: the user information is whatever comes
// before the last @ of the authority, and the query is left out entirely.
func redactByHand(scheme, rest string) string {
	auth, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		auth = auth[i+1:]
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i] + "?" + Redacted
	}
	return scheme + "://" + auth + path
}

// redactQuery rewrites the raw query with secret-looking values replaced, keeping the
// order and spelling of everything else.
func redactQuery(raw string) (string, bool) {
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		k, v, hasValue := strings.Cut(p, "=")
		if !hasValue || v == "" {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if secretName(name) {
			parts[i] = k + "=" + Redacted
			changed = true
		}
	}
	return strings.Join(parts, "&"), changed
}

var secretWords = []string{"token", "key", "sig", "password", "passwd", "pass", "secret", "auth", "credential"}

func secretName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// A URL inside free text: a scheme, "://", then up to the first space or quote.
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// RedactText is text (an error message, a note, a log line) with every URL in it passed
// through RedactURL. It is the net under messages that quote a URL they were given, such
// as a transport error naming the address that failed.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, RedactURL)
}

// Shown is a copy of r for display outside chat (the status page): every free-text field
// that may quote a URL passes through RedactText.
func (r *Request) Shown() *Request {
	c := r.Clone()
	c.Source = RedactURL(c.Source)
	c.LastError = RedactText(c.LastError)
	c.PublishErr = RedactText(c.PublishErr)
	c.Reason = RedactText(c.Reason)
	if c.Hold != nil {
		c.Hold.Reason = RedactText(c.Hold.Reason)
	}
	for i := range c.History {
		c.History[i].Note = RedactText(c.History[i].Note)
	}
	return c
}
