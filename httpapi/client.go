package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"time"
)

// BaseURL is where a client on this machine reaches a server listening on listen (the
// config's http.listen): an unspecified host (0.0.0.0, ::, none) is reached on loopback.
func BaseURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("http.listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// clientTimeout bounds a whole answer from the running bot, however long its audit log.
const clientTimeout = 60 * time.Second

// FetchAudit asks the bot listening on listen for its audit trail (GET /api/audit), as
// StoredAudit reads it from the database the bot holds.
func FetchAudit(ctx context.Context, listen, request string) (*AuditTrail, error) {
	base, err := BaseURL(listen)
	if err != nil {
		return nil, err
	}
	u := base + "/api/audit"
	if request != "" {
		u += "?request=" + url.QueryEscape(request)
	}
	ctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the running bot at %s: %w", base, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
		return nil, fmt.Errorf("%s/api/audit answered %s, not stagebot's JSON: is a stagebot listening there?", base, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s/api/audit: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e apiError
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = resp.Status
		}
		return nil, &RemoteError{Status: resp.StatusCode, Message: e.Error}
	}
	var trail AuditTrail
	if err := json.Unmarshal(body, &trail); err != nil {
		return nil, fmt.Errorf("%s/api/audit: %w", base, err)
	}
	return &trail, nil
}

// RemoteError is an error the running bot answered with.
type RemoteError struct {
	Status  int
	Message string
}

func (e *RemoteError) Error() string { return e.Message }

// unwrapURLError drops url.Error's "Get "URL": " prefix: the caller names the address.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
