package config

import (
	"errors"
	"fmt"
	"net"
	"os"

	"stagebot/click"
	"stagebot/internal/tlsfiles"
)

// readFiles reads the files the bot reads at start, each with the function the start reads
// it with, so that a file check-config passes is one the bot can use: the SSH key and
// known_hosts of an sftp:// target, the signing keyring, the IRC adapter's CA and client
// certificate (read at each dial).
func (c *Config) readFiles(ck *checker) {
	if ck.wants("snakefruit") && !ck.failed("snakefruit") {
		errs, unknown := c.SnakefruitConfig().CheckFiles()
		for _, e := range errs {
			ck.bad("snakefruit."+e.Field, "%s", e.Problem)
		}
		if unknown != "" {
			host, port, _ := net.SplitHostPort(unknown)
			ck.warn("snakefruit.known_hosts", "%s holds no key for %s, so the first connection will be refused as an unknown host (unless a @cert-authority line vouches for it); add it with: ssh-keyscan -p %s %s >> %s",
				c.Snakefruit.KnownHosts, unknown, port, host, c.Snakefruit.KnownHosts)
		}
	}
	if k := c.Signing.Keyring; k != "" && ck.wants("signing.keyring") {
		if _, err := click.LoadKeyring(k); err != nil {
			ck.bad("signing.keyring", "%s", fileError(k, err))
		}
	}
	if c.IRC != nil && ck.wants("irc") && !ck.failed("irc") {
		c.IRC.readFiles(ck)
	}
}

// fileError says what is wrong with file, naming it once.
func fileError(file string, err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("cannot read %s: %v", file, pe.Err)
	}
	return err.Error()
}

// readFiles reads the CA and client certificate files as the adapter reads them at each
// dial: only over TLS, the certificate for EXTERNAL or when one is named.
func (c *IRC) readFiles(ck *checker) {
	if !c.TLS {
		if c.CAFile != "" {
			ck.warn("irc.ca_file", "not used without tls: true")
		}
		return
	}
	var certFile, keyFile string
	if s := c.SASL; s != nil {
		certFile, keyFile = s.CertFile, s.KeyFile
	}
	// The adapter reads the pair for EXTERNAL or when cert_file is set; a name missing from
	// it is a problem of its own (validate).
	withCert := certFile != "" && keyFile != ""
	host, _, _ := net.SplitHostPort(c.Server)
	_, errs := tlsfiles.Client(host, c.CAFile, certFile, keyFile, withCert)
	for _, e := range errs {
		key := "irc.ca_file"
		if e.Which == tlsfiles.Cert {
			key = "irc.sasl.cert_file"
		}
		ck.bad(key, "%s", e.Problem)
	}
}
