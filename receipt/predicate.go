package receipt

import (
	"encoding/json"
	"time"

	"stagebot"
)

// Statement is the signed payload: an in-toto Statement v1 with one subject, the click.
// Structs, never maps, so that fields are written in one order and the bytes are stable.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is the click as the Statement names it.
type Subject struct {
	Name   string `json:"name"` // the full filename, name_version_arch.click
	Digest Digest `json:"digest"`
}

// Digest is the click's digests in lowercase hex.
type Digest struct {
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512"`
}

// Predicate is what the bot vouches for about the subject when it was locked.
type Predicate struct {
	Request   string    `json:"request"` // the request's full UUID
	Requester Person    `json:"requester"`
	Approvals []Signoff `json:"approvals"`
	// QA is the QA sign-off, null without one.
	QA          *Signoff    `json:"qa"`
	Policy      Policy      `json:"policy"`
	Inspection  Inspection  `json:"inspection"`
	Source      string      `json:"source"` // URL without userinfo or secret query values, attachment or path
	Destination Destination `json:"destination"`
	LockedAt    time.Time   `json:"locked_at"`
	// AuditHead is the hash of the audit entry that records the lock: the receipt points
	// into the hash chain, so the chain can be checked against it and the other way round.
	AuditHead string `json:"audit_head"`
}

// Person is someone as the bot knew them: By is the team name (or the name shown when the
// person is in no named team entry), Identity the network's own handle.
type Person struct {
	By       string   `json:"by"`
	Identity Identity `json:"identity"`
}

// Signoff is one approval or QA sign-off on the subject's bytes.
type Signoff struct {
	By       string    `json:"by"`
	Identity Identity  `json:"identity"`
	At       time.Time `json:"at"`
}

// Identity is a network and the ID it vouches for: the IRC hostmask (nick!user@host) with
// the services account when known, the Slack user ID, the console name.
type Identity struct {
	Network string `json:"network"`
	ID      string `json:"id"`
	Account string `json:"account,omitempty"`
}

// IdentityOf is id as a receipt records it: the nick or display name is left to By, as it
// vouches for nothing.
func IdentityOf(id stagebot.Identity) Identity {
	return Identity{Network: id.Network, ID: id.ID, Account: id.Account}
}

// Policy is what the request needed, and Hash pins the team it was judged against (see
// PolicyOf for what is hashed).
type Policy struct {
	Approvals    int    `json:"approvals"`
	QASignoff    bool   `json:"qa_signoff"`
	SelfApproval bool   `json:"self_approval"`
	Hash         string `json:"hash"`
}

// Inspection is what the click's manifest and signature said.
type Inspection struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"` // as in the filename: all, multi or one architecture
	Framework    string `json:"framework"`
	// Signer is the fingerprint (hex) of the key that signed the click, null when unsigned.
	Signer NullString `json:"signer"`
}

// Destination is where the click was locked.
type Destination struct {
	Target   string `json:"target"` // the snakefruit target without credentials
	Filename string `json:"filename"`
}

// NullString is a string written as null when empty: a reader tells "none" from "blank".
type NullString string

// MarshalJSON writes "" as null.
func (s NullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads null as "".
func (s *NullString) UnmarshalJSON(b []byte) error {
	var p *string
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = ""
	if p != nil {
		*s = NullString(*p)
	}
	return nil
}

// Input is everything a receipt says, as the workflow knows it at the lock. Sign cleans
// what must not be published (credentials in Source and Destination.Target) and writes
// every time in UTC; the rest is signed as given.
type Input struct {
	Filename  string
	SHA256    string // lowercase hex
	SHA512    string // lowercase hex
	Predicate Predicate
}
