package httpapi

import (
	"net/http"

	"stagebot"
	"stagebot/storage"
)

// AuditTrail is GET /api/audit's body: the audit log as it is recorded, people's
// hostmasks included (it is the record of who did what), and the hash chain's verdict.
type AuditTrail struct {
	Entries []AuditEntry `json:"entries"`
	// Intact is the verdict on the whole chain, whichever entries are listed; Checked
	// counts the entries that verified, up to the first that does not when it is broken,
	// and Problem says what is wrong there.
	Intact  bool   `json:"intact"`
	Checked int    `json:"checked"`
	Problem string `json:"problem"`
}

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	Seq uint64 `json:"seq"`
	At  Time   `json:"at"`
	// Request and UUID name the request the entry is about; "" for one about none (a tick).
	Request string `json:"request"`
	UUID    string `json:"uuid"`
	Who     string `json:"who"`
	// What is the action: a state the request entered, "approve", "qa", "tick", ...;
	// Detail says more in words.
	What   string `json:"what"`
	Detail string `json:"detail"`
	Prev   string `json:"prev"`
	Hash   string `json:"hash"`
}

// AuditSource reads the audit trail: the entries about request (its ID or a unique prefix
// of 4 or more hex digits; "" for every entry) with the verdict on the whole chain. An
// unknown request is a stagebot.ENOTFOUND error, an ambiguous prefix stagebot.EINVALID.
type AuditSource func(request string) (*AuditTrail, error)

// StoredAudit is the audit trail in db, read in one transaction.
func StoredAudit(db *storage.DB) AuditSource {
	return func(request string) (*AuditTrail, error) {
		trail := &AuditTrail{Entries: []AuditEntry{}}
		err := db.View(func(tx *storage.Tx) error {
			id := ""
			if request != "" {
				r, err := tx.FindRequest(request)
				if err != nil {
					return err
				}
				id = r.ID
			}
			entries, err := tx.AuditLog(id)
			if err != nil {
				return err
			}
			for _, e := range entries {
				trail.Entries = append(trail.Entries, auditEntryOf(e))
			}
			n, verr := tx.VerifyAudit()
			trail.Checked, trail.Intact = n, verr == nil
			if verr != nil {
				trail.Problem = verr.Error()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return trail, nil
	}
}

func auditEntryOf(e storage.Entry) AuditEntry {
	a := AuditEntry{Seq: e.Seq, At: Time(e.At), UUID: e.RequestID, Who: e.Actor, What: e.Action, Detail: e.Detail,
		Prev: e.Prev, Hash: e.Hash}
	if e.RequestID != "" {
		a.Request = stagebot.ShortID(e.RequestID)
	}
	return a
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		writeError(w, http.StatusNotFound, "this server has no audit log")
		return
	}
	request := ""
	if raw, given := r.URL.Query()["request"]; given {
		id, ok := requestID(raw[0])
		if !ok {
			notAnID(w, raw[0])
			return
		}
		request = id
	}
	trail, err := s.cfg.Audit(request)
	if err != nil {
		status := lookupStatus(err)
		msg := stagebot.ErrorMessage(err)
		if status == http.StatusInternalServerError {
			s.log.Error("api: audit", "err", err)
			msg = "cannot read the audit log"
		}
		writeError(w, status, msg)
		return
	}
	writeJSON(w, http.StatusOK, trail)
}
