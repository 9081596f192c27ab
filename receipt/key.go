package receipt

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ErrKey is the class of every key that cannot be used: not PEM, not ed25519, the wrong
// half of a pair.
var ErrKey = errors.New("unusable key")

const genkeyHint = "make one with: openssl genpkey -algorithm ed25519 -out receipts.key"

// LoadPrivateKey reads the signing key: an ed25519 private key, PKCS#8 PEM, as
// `openssl genpkey -algorithm ed25519` writes it.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePrivateKey is LoadPrivateKey on the file's bytes.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, err := onePEM(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: the private key is encrypted; the bot cannot ask for a passphrase (%s)", ErrKey, genkeyHint)
	case "PUBLIC KEY":
		return nil, fmt.Errorf("%w: this is a public key; signing needs the private key (%s)", ErrKey, genkeyHint)
	case "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: an OpenSSH key, not PKCS#8 (%s)", ErrKey, genkeyHint)
	default:
		return nil, fmt.Errorf("%w: a PEM %q block, not an ed25519 PKCS#8 \"PRIVATE KEY\" (%s)", ErrKey, block.Type, genkeyHint)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: an %s private key, not ed25519 (%s)", ErrKey, keyKind(k), genkeyHint)
	}
	return ek, nil
}

// LoadPublicKey reads a verification key: an ed25519 public key, PEM "PUBLIC KEY"
// (SubjectPublicKeyInfo), as `openssl pkey -in receipts.key -pubout` writes it.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePublicKey is LoadPublicKey on the file's bytes.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, err := onePEM(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
	case "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		// Refused rather than used: a private key has no business on a verifier's machine.
		return nil, fmt.Errorf("%w: this is a private key; give its public half (openssl pkey -in KEY -pubout)", ErrKey)
	default:
		return nil, fmt.Errorf("%w: a PEM %q block, not an ed25519 \"PUBLIC KEY\"", ErrKey, block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: an %s public key, not ed25519", ErrKey, keyKind(k))
	}
	return ek, nil
}

// PublicKeyPEM is pub as LoadPublicKey reads it, to hand to whoever verifies.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER(pub)})
}

// KeyID is how a receipt names the key that signed it: the lowercase hex sha256 of the
// public key's DER (SubjectPublicKeyInfo), which anyone can recompute from the PEM file.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(publicDER(pub))
	return hex.EncodeToString(sum[:])
}

func publicDER(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// Only a key of the wrong length fails, and every key here came through
		// ed25519Key or ParsePublicKey.
		panic("receipt: " + err.Error())
	}
	return der
}

// ed25519Key is k as a usable ed25519 public key.
func ed25519Key(k crypto.PublicKey) (ed25519.PublicKey, error) {
	var pub ed25519.PublicKey
	switch k := k.(type) {
	case ed25519.PublicKey:
		pub = k
	case *ed25519.PublicKey:
		if k != nil {
			pub = *k
		}
	default:
		return nil, fmt.Errorf("%w: an %s key, not ed25519", ErrKey, keyKind(k))
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: an ed25519 public key of %d bytes, not %d", ErrKey, len(pub), ed25519.PublicKeySize)
	}
	return pub, nil
}

// onePEM is the single PEM block data holds.
func onePEM(data []byte) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: not a PEM file", ErrKey)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("%w: more than one PEM block; give one key per file", ErrKey)
	}
	return block, nil
}

// keyKind names the algorithm of a key that is not ed25519, for the error.
func keyKind(k any) string {
	switch k.(type) {
	case nil:
		return "missing"
	case *rsa.PublicKey, *rsa.PrivateKey:
		return "RSA"
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		return "ECDSA"
	case *ecdh.PublicKey, *ecdh.PrivateKey:
		return "X25519"
	}
	return fmt.Sprintf("%T", k)
}
