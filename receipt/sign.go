package receipt

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"stagebot"
)

// Signer signs receipts with one ed25519 key.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
}

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: an ed25519 private key of %d bytes, not %d", ErrKey, len(key), ed25519.PrivateKeySize)
	}
	return &Signer{key: key, keyID: KeyID(key.Public().(ed25519.PublicKey))}, nil
}

// LoadSigner signs with the key in the PEM file at path (see LoadPrivateKey).
func LoadSigner(path string) (*Signer, error) {
	key, err := LoadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	return NewSigner(key)
}

// KeyID is the keyid the signer's receipts carry (see KeyID).
func (s *Signer) KeyID() string { return s.keyID }

// Public is the key that verifies the signer's receipts.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign makes the receipt for in: a DSSE envelope as compact JSON ending in a newline. The
// same Input and key give the same bytes every time: ed25519 signatures are deterministic
// and the encoding has no maps, a fixed field order and every time in UTC.
func (s *Signer) Sign(in Input) ([]byte, error) {
	st, err := in.statement()
	if err != nil {
		return nil, err
	}
	payload, err := encodeJSON(st)
	if err != nil {
		return nil, err
	}
	// What Verify would refuse is never handed out.
	if _, err := parseStatement(payload); err != nil {
		return nil, fmt.Errorf("receipt: the statement made is not valid: %w", err)
	}
	es, err := dsse.NewEnvelopeSigner(dsseSigner{s})
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(context.Background(), PayloadType, payload)
	if err != nil {
		return nil, err
	}
	out, err := encodeJSON(env)
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// dsseSigner is the Signer as the dsse package asks for one: it is handed the
// pre-authentication encoding and signs it whole, as ed25519 does.
type dsseSigner struct{ s *Signer }

func (d dsseSigner) Sign(_ context.Context, pae []byte) ([]byte, error) {
	return ed25519.Sign(d.s.key, pae), nil
}

func (d dsseSigner) KeyID() (string, error) { return d.s.keyID, nil }

// statement is the Statement in says, checked and cleaned: credentials out of the source
// and the target, times in UTC. in itself is left as it was.
func (in Input) statement() (Statement, error) {
	p := in.Predicate
	var problems []string
	need := func(ok bool, what string) {
		if !ok {
			problems = append(problems, what)
		}
	}
	need(in.Filename != "" && !strings.ContainsAny(in.Filename, "/\x00"), "a filename without a folder")
	need(isHex(in.SHA256, 64), "the sha256 as 64 lowercase hex digits")
	need(isHex(in.SHA512, 128), "the sha512 as 128 lowercase hex digits")
	need(p.Request != "", "the request")
	need(p.Requester.By != "" && p.Requester.Identity.Network != "", "the requester")
	need(len(p.Approvals) > 0, "at least one approval")
	for _, a := range p.Approvals {
		need(a.By != "" && !a.At.IsZero(), "each approval's approver and time")
	}
	need(p.QA == nil || (p.QA.By != "" && !p.QA.At.IsZero()), "the QA sign-off's person and time")
	need(isHex(p.Policy.Hash, 64), "the policy hash (PolicyOf)")
	need(p.Destination.Target != "" && p.Destination.Filename != "", "the destination's target and filename")
	need(!p.LockedAt.IsZero(), "the time of the lock")
	need(p.AuditHead != "", "the audit chain's head")
	if len(problems) > 0 {
		return Statement{}, errors.New("receipt: the input lacks " + strings.Join(problems, ", "))
	}

	p.Approvals = slices.Clone(p.Approvals)
	for i := range p.Approvals {
		p.Approvals[i].At = p.Approvals[i].At.UTC()
	}
	if p.QA != nil {
		qa := *p.QA
		qa.At = qa.At.UTC()
		p.QA = &qa
	}
	p.LockedAt = p.LockedAt.UTC()
	// The same rule as every other view of a URL, so a receipt can never show what chat,
	// logs and the status page hide; userinfo goes entirely rather than being masked.
	p.Source = stagebot.RedactURL(p.Source)
	p.Destination.Target = stagebot.RedactURL(p.Destination.Target)
	return Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: in.Filename, Digest: Digest{SHA256: in.SHA256, SHA512: in.SHA512}}},
		PredicateType: PredicateType,
		Predicate:     p,
	}, nil
}

// encodeJSON is v as compact JSON, with <, > and & written as themselves: a URL in a
// receipt reads as the URL.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
