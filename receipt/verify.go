package receipt

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	ita1 "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// The ways a receipt is refused. Every error Verify returns for a receipt that is not
// valid wraps one of these or ErrKey; anything else is a failure to read the click.
var (
	// ErrMalformed: not a DSSE envelope of an in-toto Statement v1 with this package's
	// predicate and one subject.
	ErrMalformed = errors.New("malformed receipt")
	// ErrSignature: no signature verifies with any of the keys given, because the receipt
	// was changed or another key signed it.
	ErrSignature = errors.New("signature not valid")
	// ErrDigest: the click's bytes are not the ones the receipt is for.
	ErrDigest = errors.New("not the click the receipt is for")
)

// Result is a receipt that verified.
type Result struct {
	Statement Statement
	KeyID     string // of the key whose signature verified
}

// Verify checks a receipt offline: a signature verifies with one of keys (ed25519), the
// payload is a Statement of this package's predicate, and the click's sha256 and sha512,
// computed from its bytes, are the subject's. The click is read only once the signature
// and the Statement are known good.
func Verify(envelope []byte, click io.Reader, keys ...crypto.PublicKey) (*Result, error) {
	pubs, err := distinctKeys(keys)
	if err != nil {
		return nil, err
	}
	env, err := parseEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	keyID, payload, err := verifySignature(env, pubs)
	if err != nil {
		return nil, err
	}
	st, err := parseStatement(payload)
	if err != nil {
		return nil, err
	}
	h256, h512 := sha256.New(), sha512.New()
	if _, err := io.Copy(io.MultiWriter(h256, h512), click); err != nil {
		return nil, fmt.Errorf("reading the click: %w", err)
	}
	subject := st.Subject[0]
	if got := hex.EncodeToString(h256.Sum(nil)); got != subject.Digest.SHA256 {
		return nil, fmt.Errorf("%w: its sha256 is %s; the receipt is for %s with sha256 %s", ErrDigest, got, subject.Name, subject.Digest.SHA256)
	}
	if got := hex.EncodeToString(h512.Sum(nil)); got != subject.Digest.SHA512 {
		return nil, fmt.Errorf("%w: its sha512 is %s; the receipt is for %s with sha512 %s", ErrDigest, got, subject.Name, subject.Digest.SHA512)
	}
	return &Result{Statement: *st, KeyID: keyID}, nil
}

// distinctKeys is keys as ed25519 keys, each once: the same key given twice (an old and a
// new name for one file) is one key.
func distinctKeys(keys []crypto.PublicKey) ([]ed25519.PublicKey, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key to verify with", ErrKey)
	}
	var out []ed25519.PublicKey
	for _, k := range keys {
		pub, err := ed25519Key(k)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o ed25519.PublicKey) bool { return o.Equal(pub) }) {
			out = append(out, pub)
		}
	}
	return out, nil
}

func parseEnvelope(data []byte) (*dsse.Envelope, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: not a DSSE envelope: %v", ErrMalformed, err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%w: payloadType %q, not %q", ErrMalformed, env.PayloadType, PayloadType)
	}
	if env.Payload == "" {
		return nil, fmt.Errorf("%w: no payload", ErrMalformed)
	}
	if _, err := env.DecodeB64Payload(); err != nil {
		return nil, fmt.Errorf("%w: the payload is not base64", ErrMalformed)
	}
	if len(env.Signatures) == 0 {
		return nil, fmt.Errorf("%w: no signature", ErrMalformed)
	}
	for _, s := range env.Signatures {
		if _, err := decodeSig(s.Sig); err != nil {
			return nil, fmt.Errorf("%w: a signature is not base64", ErrMalformed)
		}
	}
	return &env, nil
}

// decodeSig reads a signature as the dsse package does: standard base64, else URL-safe.
func decodeSig(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.URLEncoding.DecodeString(s)
	}
	return b, err
}

// verifySignature returns the key ID that verified env and the payload it covers.
func verifySignature(env *dsse.Envelope, pubs []ed25519.PublicKey) (string, []byte, error) {
	verifiers := make([]dsse.Verifier, len(pubs))
	given := make([]string, len(pubs))
	for i, p := range pubs {
		verifiers[i] = dsseVerifier{pub: p, keyID: KeyID(p)}
		given[i] = KeyID(p)
	}
	ev, err := dsse.NewEnvelopeVerifier(verifiers...)
	if err != nil {
		return "", nil, err
	}
	accepted, payload, err := ev.VerifyAndDecode(context.Background(), env)
	if err == nil && len(accepted) > 0 {
		return accepted[0].KeyID, payload, nil
	}
	// Say which: a key that was given does not verify it (the receipt was changed), or
	// none of the keys given is the one that signed.
	for _, s := range env.Signatures {
		if slices.Contains(given, s.KeyID) {
			return "", nil, fmt.Errorf("%w: it does not verify with key %s, which signed it: the receipt was changed after it was signed", ErrSignature, s.KeyID)
		}
		if s.KeyID == "" {
			return "", nil, fmt.Errorf("%w: it names no key and verifies with none of the keys given (%s)", ErrSignature, strings.Join(given, ", "))
		}
	}
	signers := make([]string, len(env.Signatures))
	for i, s := range env.Signatures {
		signers[i] = s.KeyID
	}
	return "", nil, fmt.Errorf("%w: signed by key %s, which is none of the keys given (%s)", ErrSignature, strings.Join(signers, ", "), strings.Join(given, ", "))
}

// dsseVerifier is one public key as the dsse package asks for one.
type dsseVerifier struct {
	pub   ed25519.PublicKey
	keyID string
}

func (v dsseVerifier) Verify(_ context.Context, pae, sig []byte) error {
	if !ed25519.Verify(v.pub, pae, sig) {
		return errors.New("ed25519: signature does not verify")
	}
	return nil
}

func (v dsseVerifier) KeyID() (string, error)   { return v.keyID, nil }
func (v dsseVerifier) Public() crypto.PublicKey { return v.pub }

// parseStatement reads a payload as in-toto's own bindings do, then as this package's
// predicate. The bindings are the stricter reader: they refuse duplicate and unknown
// top-level fields, which encoding/json would quietly resolve.
func parseStatement(payload []byte) (*Statement, error) {
	var pb ita1.Statement
	if err := protojson.Unmarshal(payload, &pb); err != nil {
		return nil, fmt.Errorf("%w: the payload is not an in-toto Statement: %s", ErrMalformed, protoMessage(err))
	}
	if err := pb.Validate(); err != nil {
		return nil, fmt.Errorf("%w: the payload is not a valid in-toto Statement: %v", ErrMalformed, err)
	}
	// The bindings also accept the older v0.1; a receipt is only ever v1.
	if pb.GetType() != StatementType {
		return nil, fmt.Errorf("%w: statement type %q, not %q", ErrMalformed, pb.GetType(), StatementType)
	}
	if pb.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("%w: predicate type %q, not a stagebot receipt (%s)", ErrMalformed, pb.GetPredicateType(), PredicateType)
	}
	if n := len(pb.GetSubject()); n != 1 {
		return nil, fmt.Errorf("%w: %d subjects, not one", ErrMalformed, n)
	}
	subject := pb.GetSubject()[0]
	digest := subject.GetDigest()
	if subject.GetName() == "" || !isHex(digest["sha256"], 64) || !isHex(digest["sha512"], 128) {
		return nil, fmt.Errorf("%w: the subject needs a name and its sha256 and sha512 in lowercase hex", ErrMalformed)
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: the predicate: %v", ErrMalformed, err)
	}
	// The subject compared with the click is the one the bindings read.
	st.Subject = []Subject{{Name: subject.GetName(), Digest: Digest{SHA256: digest["sha256"], SHA512: digest["sha512"]}}}
	return &st, nil
}

// protoMessage is a protobuf error's text with the non-breaking spaces it randomly puts
// in (to stop callers from matching it) made plain, for a person to read.
func protoMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}
