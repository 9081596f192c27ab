package dendritetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"stagebot/internal/testenv"
)

// Error is a homeserver's refusal: the HTTP status and the Matrix error body.
type Error struct {
	Status       int
	Code         string `json:"errcode"` // M_FORBIDDEN, M_LIMIT_EXCEEDED, M_UNKNOWN_TOKEN, ...
	Message      string `json:"error"`
	RetryAfterMS int64  `json:"retry_after_ms"`
	// RetryAfter is the Retry-After header, when the answer had one.
	RetryAfter string `json:"-"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	if e.RetryAfterMS > 0 {
		s += fmt.Sprintf(" (retry after %d ms)", e.RetryAfterMS)
	}
	return s
}

// call makes one client-server API request with token (none if ""), sending in as JSON
// (none if nil) and decoding a 2xx answer into out (ignored if nil). A non-2xx answer is
// an *Error. It is bounded by testenv.Wait unless ctx ends first.
func call(ctx context.Context, hc *http.Client, baseURL, token, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, testenv.Wait)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Message = string(data)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: answer %q: %w", method, path, data, err)
	}
	return nil
}
