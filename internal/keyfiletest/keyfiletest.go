// Package keyfiletest writes the key files a config names (an SSH private key, known_hosts,
// an OpenPGP keyring), real ones made on the spot, for tests of what reads them.
package keyfiletest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHKey writes a new ed25519 private key in OpenSSH format to path, encrypted with
// passphrase unless it is "", and returns its public half.
func SSHKey(t testing.TB, path, passphrase string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, pem.EncodeToMemory(block))
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KnownHosts writes a known_hosts file holding a new host key for addr (host:port).
func KnownHosts(t testing.TB, path, addr string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, []byte(knownhosts.Line([]string{knownhosts.Normalize(addr)}, k)+"\n"))
}

// Keyring writes a public OpenPGP keyring holding one new key, binary or ASCII-armoured.
func Keyring(t testing.TB, path string, armoured bool) {
	t.Helper()
	e, err := openpgp.NewEntity("stagebot test", "", "tests@example.invalid", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if !armoured {
		if err := e.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		write(t, path, buf.Bytes())
		return
	}
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, path, buf.Bytes())
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
