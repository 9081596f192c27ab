package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"stagebot"
)

// The API's conventions, the same in every answer: keys in snake_case; times in RFC 3339,
// UTC, to the second, null when there is none; a request named by "id" (its 8 hex digits)
// beside "uuid" (in full); an absent object is null, an empty list [], an absent text "";
// an error is {"error": "a sentence"} with a 4xx or 5xx status.

// Time is a time as the API writes it.
type Time time.Time

// MarshalJSON writes t as RFC 3339 UTC to the second, or null when t is zero.
func (t Time) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(time.RFC3339) + `"`), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	tt, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	*t = Time(tt.UTC())
	return nil
}

// apiError is every error's body.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// requestID is q as a prefix of a request's UUID (lower case), or false when q cannot be
// one: fewer than stagebot.MinIDPrefix hex digits, or anything but hex digits and dashes.
func requestID(q string) (string, bool) {
	q = strings.ToLower(strings.TrimSpace(q))
	if len(q) < stagebot.MinIDPrefix || len(q) > 36 {
		return "", false
	}
	for _, c := range q {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return "", false
		}
	}
	return q, true
}

// lookupStatus is the HTTP status of an error from looking a request up by a well-formed
// ID prefix: storage refuses such a prefix as invalid only when several requests share it.
func lookupStatus(err error) int {
	switch stagebot.ErrorCode(err) {
	case stagebot.ENOTFOUND:
		return http.StatusNotFound
	case stagebot.EINVALID:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// notAnID is the 404 for a path or parameter that cannot name a request.
func notAnID(w http.ResponseWriter, q string) {
	q = strings.TrimSpace(stagebot.CleanText(q))
	if len(q) > 40 {
		q = strings.ToValidUTF8(q[:40], "") + "…"
	}
	writeError(w, http.StatusNotFound, "no request with ID "+q+
		": a request is named by its ID or a unique prefix of at least 4 hex digits")
}
