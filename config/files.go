package config

import (
	"errors"
	"fmt"
	"net"
	"os"

	"stagebot/click"
)

// readFiles reads the files the bot reads at start, each with the function the start reads
// it with, so that a file check-config passes is one the bot can use: the SSH key and
// known_hosts of an sftp:// target, the signing keyring.
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
	if f := c.IRC; f != nil && f.CAFile != "" && ck.wants("irc.ca_file") {
		if _, err := os.Stat(f.CAFile); err != nil {
			ck.bad("irc.ca_file", "%s", fileError(f.CAFile, err))
		}
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
