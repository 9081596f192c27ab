package dendritetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// RegisterUser makes the account @name:ServerName with the shared-secret registration
// endpoint (registration is otherwise closed) and returns its user ID and an access token.
// Admins are never rate-limited.
func (s *Server) RegisterUser(t testing.TB, name, password string, admin bool) (userID, token string) {
	t.Helper()
	userID, token, err := s.Register(name, password, admin)
	if err != nil {
		t.Fatalf("dendritetest: registering %s: %v", name, err)
	}
	return userID, token
}

// Register is RegisterUser without a test, for benchmarks.
func (s *Server) Register(name, password string, admin bool) (userID, token string, err error) {
	ctx := context.Background()
	const path = "/_synapse/admin/v1/register"
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	if err := call(ctx, s.http, s.URL, "", http.MethodGet, path, nil, &nonce); err != nil {
		return "", "", err
	}
	kind := "notadmin"
	if admin {
		kind = "admin"
	}
	mac := hmac.New(sha1.New, []byte(s.secret))
	mac.Write([]byte(strings.Join([]string{nonce.Nonce, name, password, kind}, "\x00")))
	req := map[string]any{
		"nonce":    nonce.Nonce,
		"username": name,
		"password": password,
		"admin":    admin,
		"mac":      hex.EncodeToString(mac.Sum(nil)),
	}
	var resp struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
	}
	if err := call(ctx, s.http, s.URL, "", http.MethodPost, path, req, &resp); err != nil {
		return "", "", err
	}
	if resp.UserID == "" || resp.AccessToken == "" {
		return "", "", errors.New("registration answered without a user ID or token")
	}
	return resp.UserID, resp.AccessToken, nil
}

// User registers @name:ServerName (not an admin) and returns a client acting as them.
func (s *Server) User(t testing.TB, name string) *Client {
	t.Helper()
	password := name + "-password"
	userID, token := s.RegisterUser(t, name, password, false)
	c := s.Client(t, userID, token)
	c.Password = password
	return c
}

// Login opens another session (device) for a user and returns its access token.
func (s *Server) Login(t testing.TB, name, password string) string {
	t.Helper()
	req := map[string]any{
		"type":       "m.login.password",
		"identifier": map[string]any{"type": "m.id.user", "user": name},
		"password":   password,
	}
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	if err := call(context.Background(), s.http, s.URL, "", http.MethodPost, "/_matrix/client/v3/login", req, &resp); err != nil {
		t.Fatalf("dendritetest: login as %s: %v", name, err)
	}
	return resp.AccessToken
}

// Logout invalidates token (POST /logout): every later request with it is refused with
// 401 M_UNKNOWN_TOKEN, as a revoked token is.
func (s *Server) Logout(t testing.TB, token string) {
	t.Helper()
	if err := call(context.Background(), s.http, s.URL, token, http.MethodPost, "/_matrix/client/v3/logout", map[string]any{}, nil); err != nil {
		t.Fatalf("dendritetest: logout: %v", err)
	}
}

// Deactivate closes a user's account (POST /account/deactivate, authenticated by password).
// Dendrite deletes every session of the user and takes them out of their rooms; their
// tokens are then refused with 401 M_UNKNOWN_TOKEN (Dendrite never answers
// M_USER_DEACTIVATED to a token).
func (s *Server) Deactivate(t testing.TB, name, password string) {
	t.Helper()
	token := s.Login(t, name, password)
	auth := map[string]any{
		"type":       "m.login.password",
		"identifier": map[string]any{"type": "m.id.user", "user": name},
		"password":   password,
	}
	// A single-stage password flow: Dendrite takes the auth without a session first.
	body := map[string]any{"auth": auth}
	err := call(context.Background(), s.http, s.URL, token, http.MethodPost, "/_matrix/client/v3/account/deactivate", body, nil)
	if err != nil {
		t.Fatalf("dendritetest: deactivating %s: %v", name, err)
	}
}
