package stagebot

import (
	"slices"
	"strings"
	"time"
)

// Request is one click asked to be locked on snakefruit, from `!stage` to its final state.
type Request struct {
	ID string `json:"id"` // a UUID; ShortID is what people type

	// The click, as its manifest and bytes say.
	Name            string   `json:"name"`
	Version         string   `json:"version"` // as in the manifest, epoch included
	Arch            string   `json:"arch"`    // the filename's arch: all, multi or one arch
	Architectures   []string `json:"architectures"`
	Framework       string   `json:"framework"`
	NeedsFrameworks []string `json:"needs_frameworks,omitempty"`
	Filename        string   `json:"filename"` // name_version_arch.click
	Size            int64    `json:"size"`
	SHA256          string   `json:"sha256"`
	SHA512          string   `json:"sha512"`
	Signer          string   `json:"signer,omitempty"`
	Source          string   `json:"source"`     // URL, path or attachment the click came from
	LocalPath       string   `json:"local_path"` // the bot's own copy under state_dir

	// SignerFingerprint is the fingerprint (lowercase hex) of the key whose signature on
	// the click verified against the keyring (Signer is its long key ID); "" for a click
	// unsigned, checked without a keyring, or recorded before fingerprints were kept.
	SignerFingerprint string `json:"signer_fingerprint,omitempty"`

	Requester    Identity `json:"requester"`
	RequesterKey string   `json:"requester_key"` // Person.Key at request time
	// RequesterKeys are every key the requester had when they asked (Person.Keys): an
	// approver sharing any of them is the requester.
	RequesterKeys []string `json:"requester_keys,omitempty"`

	State State `json:"state"`
	// Gen counts the request's transitions. A job records the Gen it was queued for, and
	// its outcome counts only while the request is still at that Gen: a job overtaken by a
	// person (cancel, withdraw, re-approval) can never record a stale result.
	Gen       uint64       `json:"gen"`
	Approvals []Approval   `json:"approvals,omitempty"`
	QASignoff *Approval    `json:"qa_signoff,omitempty"`
	History   []Transition `json:"history"`
	Replaces  string       `json:"replaces,omitempty"` // older filename this lock replaced
	// SupersededBy is the request, locked, that ended this one as superseded.
	SupersededBy string `json:"superseded_by,omitempty"`
	// PersonsLine: the list already named this filename, written by a person, when the bot
	// locked it; the bot changes only lines it wrote, so it leaves that line and file alone
	// when the request ends.
	PersonsLine bool      `json:"persons_line,omitempty"`
	LastError   string    `json:"last_error,omitempty"`  // why the last attempt failed
	Attempt     int       `json:"attempt,omitempty"`     // attempts of the current job
	NextTry     time.Time `json:"next_try,omitempty"`    // when the worker tries again
	PublishErr  string    `json:"publish_err,omitempty"` // last failed publication
	Reason      string    `json:"reason,omitempty"`      // rejection or cancellation reason
	RemindedAt  time.Time `json:"reminded_at,omitempty"`
	// Hold is set while someone holds the request (!hold): it is a mark, not a state, so a
	// held request keeps its place (pending, with its approvals) and only its lock waits.
	Hold *Hold `json:"hold,omitempty"`
	// Preupload is the click's copy on snakefruit, uploaded under a hidden name while the
	// request waits: recorded with the request when it starts (so that whatever ends the
	// request removes it), filled in once it landed and was checked; approval renames a
	// checked one into place.
	Preupload *Preupload `json:"preupload,omitempty"`
	Created   time.Time  `json:"created"`
	Updated   time.Time  `json:"updated"`
}

// Approval is one person's approval or sign-off, valid only for the bytes it was given on.
type Approval struct {
	By  Identity `json:"by"`
	Key string   `json:"key"` // Person.Key, as the approver was shown then
	// Keys are every identity the approver had then (Person.Keys). An approval counts once
	// per person, and a person is known by any of them: lee who approved from a hostmask and
	// approves again once identified with services is still one approval.
	Keys   []string  `json:"keys,omitempty"`
	At     time.Time `json:"at"`
	SHA256 string    `json:"sha256"`
}

// keys are Keys with what older records (without it) still say.
func (a Approval) keys() []string { return identityKeys(a.Keys, a.Key, a.By) }

// SamePerson reports whether the approver shares any of keys.
func (a Approval) SamePerson(keys []string) bool {
	for _, k := range a.keys() {
		if slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

// Preupload is a pending upload as it was checked when it landed: approval renames it into
// place only while it still has this size and modification time.
type Preupload struct {
	Name   string    `json:"name"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	MTime  time.Time `json:"mtime"`
}

// Checked reports whether the pre-upload landed whole and was checked; until then it is
// only known to have been started, and its file (if any) is never renamed into place.
func (p *Preupload) Checked() bool { return p != nil && p.SHA256 != "" }

// Hold is who held a request, when and why.
type Hold struct {
	By     Identity  `json:"by"`
	Key    string    `json:"key"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Display is the holder as chat shows them (Display).
func (h Hold) Display() string { return Display(h.By, h.Key) }

// Describe is "held by NAME: reason", the words every view uses.
func (h Hold) Describe() string {
	s := "held by " + h.Display()
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	return s
}

// Transition is one line of a request's history.
type Transition struct {
	From  State     `json:"from,omitempty"`
	To    State     `json:"to"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"` // a person's name, or "worker", "click-sync", ...
	Note  string    `json:"note,omitempty"`
}

// ShortIDLen is how many hex digits of the UUID people see.
const ShortIDLen = 8

// MinIDPrefix is the shortest prefix accepted to name a request.
const MinIDPrefix = 4

// ShortID is the first 8 hex digits of the UUID.
func (r *Request) ShortID() string { return ShortID(r.ID) }

// ShortID is the first 8 hex digits of a UUID string.
func ShortID(id string) string {
	id = strings.ReplaceAll(id, "-", "")
	if len(id) > ShortIDLen {
		return id[:ShortIDLen]
	}
	return id
}

// PackageKey is the supersession key: name and the filename's arch.
func (r *Request) PackageKey() string { return r.Name + "_" + r.Arch }

// ValidApprovals are the approvals given on the click's current bytes, one per person: an
// approval sharing an identity with an earlier one is that person's again.
func (r *Request) ValidApprovals() []Approval {
	var seen []string
	var out []Approval
	for _, a := range r.Approvals {
		if a.SHA256 != r.SHA256 {
			continue
		}
		again := a.SamePerson(seen)
		seen = append(seen, a.keys()...)
		if !again {
			out = append(out, a)
		}
	}
	return out
}

// PolicyMet reports whether p's approvals (and QA sign-off, when required) are there.
func (r *Request) PolicyMet(p Policy) bool {
	need := p.Approvals
	if need < 1 {
		need = 1
	}
	if len(r.ValidApprovals()) < need {
		return false
	}
	if p.QASignoff && (r.QASignoff == nil || r.QASignoff.SHA256 != r.SHA256) {
		return false
	}
	return true
}

// ApprovedBy reports whether the person known by any of keys (Person.Keys, or one member
// key) already approved the current bytes.
func (r *Request) ApprovedBy(keys ...string) bool {
	for _, a := range r.ValidApprovals() {
		if a.SamePerson(keys) {
			return true
		}
	}
	return false
}

// IsRequester reports whether p is the request's requester: p shares any identity the
// requester had when they asked (member, services account, exact hostmask, Slack user,
// console name). sil2100 who staged before identifying with NickServ (known then by his
// hostmask) and approves after (known as member:sil2100, same hostmask) is the requester.
func (r *Request) IsRequester(p Person) bool {
	mine := r.requesterKeys()
	for _, k := range p.Keys() {
		if slices.Contains(mine, k) {
			return true
		}
	}
	return false
}

// IsRequesterKey reports whether a single person key (member:NAME, ...) is the requester's.
func (r *Request) IsRequesterKey(key string) bool {
	return key != "" && slices.Contains(r.requesterKeys(), key)
}

// requesterKeys are RequesterKeys with what older records (without it) still say.
func (r *Request) requesterKeys() []string {
	return identityKeys(r.RequesterKeys, r.RequesterKey, r.Requester)
}

// identityKeys are the keys a record kept (Person.Keys) and those its older form still
// yields: the person key it was shown under and the identity's own.
func identityKeys(kept []string, key string, id Identity) []string {
	keys := slices.Clone(kept)
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(key)
	if id.Network != "" && id.ID != "" {
		add(id.Key())
	}
	if id.Network == NetworkIRC && id.Account != "" {
		add(accountKey(id.Account))
	}
	return keys
}

// RequesterDisplay is the requester as chat shows them (Display).
func (r *Request) RequesterDisplay() string { return Display(r.Requester, r.RequesterKey) }

// Display is the approver as chat shows them (Display).
func (a Approval) Display() string { return Display(a.By, a.Key) }

// Summary is the `name version arch` triple replies use.
func (r *Request) Summary() string { return r.Name + " " + r.Version + " " + r.Arch }

// Clone returns a deep copy: nothing the copy holds is shared with r, so either may be
// changed without the other seeing it (storage hands out copies of cached requests).
func (r *Request) Clone() *Request {
	c := *r
	c.Architectures = slices.Clone(r.Architectures)
	c.NeedsFrameworks = slices.Clone(r.NeedsFrameworks)
	c.RequesterKeys = slices.Clone(r.RequesterKeys)
	c.Approvals = slices.Clone(r.Approvals)
	for i := range c.Approvals {
		c.Approvals[i].Keys = slices.Clone(c.Approvals[i].Keys)
	}
	if r.QASignoff != nil {
		q := *r.QASignoff
		q.Keys = slices.Clone(q.Keys)
		c.QASignoff = &q
	}
	c.History = slices.Clone(r.History)
	if r.Hold != nil {
		h := *r.Hold
		c.Hold = &h
	}
	if r.Preupload != nil {
		p := *r.Preupload
		c.Preupload = &p
	}
	return &c
}
