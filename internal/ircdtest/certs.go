package ircdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throwaway certificate authority for one test: it signs the server's certificate
// (for 127.0.0.1 and localhost) and clients' certificates. No system trusts it.
type CA struct {
	// File is the CA certificate, PEM: what a client passes as its CA file.
	File string

	t    testing.TB // nil for a server's CA made without a test (New)
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// Cert is a certificate and its key in PEM files.
type Cert struct {
	CertFile, KeyFile string
	// Fingerprint is the lower-case hex SHA-256 of the DER certificate, as InspIRCd
	// (<sslprofile hash="sha256">) reports it and Atheme's NickServ CERT ADD takes it.
	Fingerprint string
	TLS         tls.Certificate
}

// NewCA makes a CA whose files live in dir (t.TempDir() when dir is "").
func NewCA(t testing.TB, dir string) *CA {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ca, err := newCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca.t = t
	return ca
}

func newCA(dir string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: "stagebot test CA", Organization: []string{"stagebot tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ircdtest: CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	ca := &CA{File: filepath.Join(dir, "ca.pem"), dir: dir, cert: cert, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	return ca, writePEM(ca.File, "CERTIFICATE", der)
}

// Pool is a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool { return ca.pool }

// ServerCert issues a server certificate for 127.0.0.1, ::1 and localhost, written as
// NAME.pem and NAME.key.
func (ca *CA) ServerCert(name string) Cert {
	return ca.must(ca.serverCert(name))
}

func (ca *CA) serverCert(name string) (Cert, error) {
	return ca.issue(name, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
}

// ClientCert issues a client certificate with common name cn, written as NAME.pem and
// NAME.key.
func (ca *CA) ClientCert(name, cn string) Cert {
	return ca.must(ca.issue(name, &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}))
}

// must fails the CA's test on err; a CA made without a test (New) panics instead, since
// issuing into a folder the caller just made fails only on a broken machine.
func (ca *CA) must(c Cert, err error) Cert {
	if err == nil {
		return c
	}
	if ca.t == nil {
		panic(err)
	}
	ca.t.Helper()
	ca.t.Fatal(err)
	return c
}

func (ca *CA) issue(name string, tmpl *x509.Certificate) (Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Cert{}, err
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return Cert{}, err
	}
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return Cert{}, fmt.Errorf("ircdtest: certificate %s: %v", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Cert{}, err
	}
	c := Cert{CertFile: filepath.Join(ca.dir, name+".pem"), KeyFile: filepath.Join(ca.dir, name+".key")}
	if err := writePEM(c.CertFile, "CERTIFICATE", der); err != nil {
		return Cert{}, err
	}
	if err := writePEM(c.KeyFile, "EC PRIVATE KEY", keyDER); err != nil {
		return Cert{}, err
	}
	sum := sha256.Sum256(der)
	c.Fingerprint = hex.EncodeToString(sum[:])
	c.TLS = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return c, nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
