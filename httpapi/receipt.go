package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"stagebot"
)

// apiReceipt serves GET /api/requests/{id}/receipt: the request's signed receipt, the DSSE
// envelope byte for byte as it was stored at the lock, so that what is served verifies as
// it is and is the same every time. An unknown ID and a request without a receipt are 404s
// saying which; an ambiguous prefix is a 409, as for the request itself.
func (s *Server) apiReceipt(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, ok := requestID(raw)
	if !ok {
		notAnID(w, raw)
		return
	}
	env, err := s.cfg.Service.Receipt(id)
	if err != nil {
		status := lookupStatus(err)
		if status == http.StatusInternalServerError {
			s.log.Error("api: receipt", "id", id, "err", err)
		}
		writeError(w, status, stagebot.ErrorMessage(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(env)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(env)
}

// receiptPath is where the API serves the receipt of the request with full ID id, or nil
// when it has none: named by the request's ID as the API lists it (its 8 hex digits).
func (s *Server) receiptPath(id string) *string {
	if _, err := s.cfg.Service.Receipt(id); err != nil {
		if stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
			s.log.Error("api: receipt", "id", stagebot.ShortID(id), "err", err)
		}
		return nil
	}
	p := "/api/requests/" + stagebot.ShortID(id) + "/receipt"
	return &p
}

// FetchReceipt asks the bot listening on listen for the receipt of the request with that
// ID or unique prefix (GET /api/requests/{id}/receipt): the envelope as the bot stored it.
// A request without one, or an unknown ID, is the *RemoteError the bot answered.
func FetchReceipt(ctx context.Context, listen, id string) ([]byte, error) {
	body, _, err := fetch(ctx, listen, "/api/requests/"+url.PathEscape(id)+"/receipt")
	return body, err
}
