package click

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"stagebot/internal/asyncw"
)

// signedHashes hashes the signed members as they stream past. The signature names its hash
// algorithm but comes last, after the data is gone, so every algorithm gpg may choose for a
// signature is computed up front. (gpg no longer makes SHA-1 data signatures.) Without a
// keyring no signature can be verified, so nothing is hashed: for a 1 GiB click that is
// three passes of SHA-2 saved.
type signedHashes struct {
	h map[crypto.Hash]hash.Hash
	asyncw.Group
}

func newSignedHashes(keyring openpgp.EntityList) *signedHashes {
	if keyring == nil {
		return &signedHashes{}
	}
	s := &signedHashes{h: map[crypto.Hash]hash.Hash{
		crypto.SHA256: sha256.New(),
		crypto.SHA384: sha512.New384(),
		crypto.SHA512: sha512.New(),
	}}
	var ws []io.Writer
	for _, h := range s.h {
		ws = append(ws, h)
	}
	s.Group = asyncw.NewGroup(ws...)
	return s
}

// fresh returns a copy of the running hash for algo, so it can be finished once per
// candidate key. Close must have been called.
func (s *signedHashes) fresh(algo crypto.Hash) (hash.Hash, error) {
	h, ok := s.h[algo]
	if !ok {
		return nil, fmt.Errorf("unsupported hash algorithm %v", algo)
	}
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, err
	}
	c := algo.New()
	if err := c.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	return c, nil
}

// verifySignature checks _gpgorigin, a detached signature over debian-binary,
// control.tar.gz and data.tar.gz (as debsigs --sign=origin writes it). The cryptography is
// go-crypto's (PublicKey.VerifySignature); this only feeds it the hash computed in the
// single pass, then applies the key checks openpgp.CheckDetachedSignature makes.
func verifySignature(data []byte, signed *signedHashes, keyring openpgp.EntityList) *Signature {
	s := &Signature{}
	var r io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte("-----BEGIN PGP")) {
		block, err := armor.Decode(r)
		if err != nil {
			s.Reason = "unreadable armoured signature: " + err.Error()
			return s
		}
		r = block.Body
	}
	p, err := packet.Read(r)
	if err != nil {
		s.Reason = "unreadable signature: " + err.Error()
		return s
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		s.Reason = "_gpgorigin holds no signature packet"
		return s
	}
	var id uint64
	switch {
	case sig.IssuerKeyId != nil:
		id = *sig.IssuerKeyId
	case len(sig.IssuerFingerprint) >= 8:
		fp := sig.IssuerFingerprint
		for _, b := range fp[len(fp)-8:] {
			id = id<<8 | uint64(b)
		}
	default:
		s.Reason = "signature names no issuer key"
		return s
	}
	s.KeyID = fmt.Sprintf("%016X", id)
	if keyring == nil {
		s.Reason = "not checked: no keyring configured"
		return s
	}
	if sig.SigType != packet.SigTypeBinary {
		s.Reason = fmt.Sprintf("signature type %#x is not a binary document signature", sig.SigType)
		return s
	}
	if sig.Version > 4 {
		s.Reason = fmt.Sprintf("OpenPGP v%d signatures are not supported", sig.Version)
		return s
	}
	keys := keyring.KeysByIdUsage(id, packet.KeyFlagSign)
	if len(keys) == 0 {
		s.Reason = "unknown key (not in the keyring)"
		return s
	}
	for _, key := range keys {
		h, err := signed.fresh(sig.Hash)
		if err != nil {
			s.Reason = err.Error()
			return s
		}
		if err := key.PublicKey.VerifySignature(h, sig); err != nil {
			s.Reason = "bad signature: " + err.Error()
			continue
		}
		if err := keyUsable(&key, sig, time.Now()); err != nil {
			s.Reason = err.Error()
			return s
		}
		s.Valid, s.Reason = true, ""
		s.Fingerprint = hex.EncodeToString(key.PublicKey.Fingerprint)
		if ident := key.Entity.PrimaryIdentity(); ident != nil {
			s.Signer = ident.Name
		}
		return s
	}
	return s
}

// keyUsable mirrors go-crypto's checks after a detached signature verifies: revocation and
// expiry of the key, its identity and the signature.
func keyUsable(key *openpgp.Key, sig *packet.Signature, now time.Time) error {
	self, ident := key.Entity.PrimarySelfSignature()
	bySubkey := key.PublicKey != key.Entity.PrimaryKey
	if key.Entity.Revoked(now) || (bySubkey && key.Revoked(now)) || (ident != nil && ident.Revoked(now)) {
		return errors.New("key is revoked")
	}
	if self != nil && key.Entity.PrimaryKey.KeyExpired(self, now) {
		return errors.New("key has expired")
	}
	if bySubkey && key.SelfSignature != nil && key.PublicKey.KeyExpired(key.SelfSignature, now) {
		return errors.New("signing subkey has expired")
	}
	if sig.SigExpired(now) {
		return errors.New("signature has expired")
	}
	return nil
}

// LoadKeyring reads an OpenPGP public keyring, binary or ASCII-armoured.
func LoadKeyring(path string) (openpgp.EntityList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var el openpgp.EntityList
	if bytes.Contains(b[:min(len(b), 1024)], []byte("-----BEGIN PGP")) {
		el, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
	} else {
		el, err = openpgp.ReadKeyRing(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	if len(el) == 0 {
		return nil, fmt.Errorf("keyring %s holds no keys", path)
	}
	return el, nil
}
