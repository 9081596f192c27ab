// Package tlsfiles reads the files of a TLS client: an extra CA and a client certificate
// with its key. The IRC adapter reads them here at each dial and check-config reads them
// here too, so a file check-config passes is one the adapter can use.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// Which file of the client's a FileError is about.
const (
	CA   = "ca"   // the extra CA certificates
	Cert = "cert" // the client certificate and its key, read as a pair
)

// FileError is a file the client cannot use.
type FileError struct {
	Which   string // CA or Cert
	Problem string // names the file
}

func (e *FileError) Error() string { return e.Problem }

// Client is the TLS configuration of a client of serverName that trusts the certificates in
// caFile beside the system's ("" = the system's alone) and presents the pair certFile and
// keyFile when withCert is true. It reports every file it cannot use.
func Client(serverName, caFile, certFile, keyFile string, withCert bool) (*tls.Config, []*FileError) {
	tc := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	var errs []*FileError
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			errs = append(errs, &FileError{CA, readError(caFile, err)})
		} else {
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, &FileError{CA, caFile + " holds no PEM certificate"})
			}
			tc.RootCAs = pool
		}
	}
	if withCert {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		var pe *os.PathError
		switch {
		case errors.As(err, &pe):
			errs = append(errs, &FileError{Cert, readError(pe.Path, err)})
		case err != nil:
			errs = append(errs, &FileError{Cert, fmt.Sprintf("%s and %s are not a certificate and its private key: %v", certFile, keyFile, err)})
		default:
			tc.Certificates = []tls.Certificate{cert}
		}
	}
	return tc, errs
}

func readError(file string, err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("cannot read %s: %v", file, err)
}
