// Package receipttest makes what tests of receipts need: fixed keys written as the bot and
// a verifier read them, and a complete Input as the workflow fills it at a lock.
package receipttest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"stagebot"
	"stagebot/receipt"
)

// Key is an ed25519 key made from a seed of n repeated: the same n, the same key, so a
// failing test can be replayed.
func Key(n byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, ed25519.SeedSize))
}

// WriteKeys writes key to dir as NAME.key (PKCS#8 PEM, as openssl genpkey does) and its
// public half as NAME.pub (PEM "PUBLIC KEY", as openssl pkey -pubout does), and returns
// both paths.
func WriteKeys(t testing.TB, dir, name string, key ed25519.PrivateKey) (priv, pub string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	priv = filepath.Join(dir, name+".key")
	pub = filepath.Join(dir, name+".pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, receipt.PublicKeyPEM(key.Public().(ed25519.PublicKey)), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// Team is a team as a config writes it.
var Team = stagebot.Team{
	Landing: []stagebot.Member{{Name: "sil2100", IRC: "account:sil2100", Slack: "U0LANDING"}, {Name: "ogra", IRC: "ogra!*@canonical/ogra"}},
	QA:      []stagebot.Member{{Name: "qa-lead", IRC: "qa-lead!*@canonical/*", Slack: "U0QA"}},
	Landers: []stagebot.Member{{Name: "*"}},
}

// Policy is the policy Input was judged under.
var Policy = stagebot.Policy{Approvals: 2, QASignoff: true}

// Input is a complete receipt input for a click with the given bytes, locked from source.
func Input(t testing.TB, click []byte, source string) receipt.Input {
	t.Helper()
	policy, err := receipt.PolicyOf(Policy, Team)
	if err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(click), sha512.Sum512(click)
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	const filename = "com.ubuntu.camera_3.1.2_armhf.click"
	return receipt.Input{
		Filename: filename,
		SHA256:   hex.EncodeToString(s256[:]),
		SHA512:   hex.EncodeToString(s512[:]),
		Predicate: receipt.Predicate{
			Request:   "1a2b3c4d-0000-4000-8000-00000000beef",
			Requester: receipt.Person{By: "lander", Identity: receipt.Identity{Network: "irc", ID: "lander!~l@example.org"}},
			Approvals: []receipt.Signoff{
				{By: "sil2100", Identity: receipt.Identity{Network: "irc", ID: "sil2100!~sil@canonical/sil2100", Account: "sil2100"}, At: at},
				{By: "ogra", Identity: receipt.Identity{Network: "slack", ID: "U0OGRA"}, At: at.Add(time.Minute)},
			},
			QA:     &receipt.Signoff{By: "qa-lead", Identity: receipt.Identity{Network: "irc", ID: "qa-lead!~q@canonical/qa"}, At: at.Add(2 * time.Minute)},
			Policy: policy,
			Inspection: receipt.Inspection{
				Name: "com.ubuntu.camera", Version: "3.1.2", Architecture: "armhf",
				Framework: "ubuntu-sdk-15.04", Signer: "0123456789abcdef0123456789abcdef01234567",
			},
			Source:      source,
			Destination: receipt.Destination{Target: "sftp://lander:hunter2@snakefruit.example:22/home/lzemczak/locked-clicks", Filename: filename},
			LockedAt:    at.Add(3 * time.Minute),
			AuditHead:   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		},
	}
}
