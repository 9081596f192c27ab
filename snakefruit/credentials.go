package snakefruit

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// CheckFiles reads the files an sftp target needs before it can dial (ssh_key, known_hosts)
// with the functions Open reads them with, and reports every problem with them; a file:// target needs none. A file
// Check already finds missing from the config is not looked for. Unknown names the
// target's host:port when known_hosts holds no key for it: not an error (a host key
// certificate authority vouches for hosts this cannot see) but the first connection is
// refused as an unknown host unless one does.
func (cfg Config) CheckFiles() (errs []*ConfigError, unknown string) {
	u, err := url.Parse(cfg.Target)
	if err != nil || u.Scheme != "sftp" {
		return nil, ""
	}
	addr := net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "22"))
	if cfg.SSHKey != "" {
		if _, err := loadKey(cfg.SSHKey, cfg.Passphrase); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.KnownHosts != "" {
		hosts, err := loadKnownHosts(cfg.KnownHosts, addr)
		if err != nil {
			errs = append(errs, err)
		} else if u.Hostname() != "" && hostKeyAlgorithms(hosts, addr) == nil {
			unknown = addr
		}
	}
	return errs, unknown
}

func loadKey(file, passphrase string) (ssh.Signer, *ConfigError) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &ConfigError{"ssh_key", readError(file, err)}
	}
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == "" {
			return nil, &ConfigError{"ssh_key", file + " is encrypted and no passphrase is configured"}
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, []byte(passphrase))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, &ConfigError{"ssh_key", file + ": the passphrase does not decrypt it"}
		}
	}
	if err != nil {
		if _, _, _, _, perr := ssh.ParseAuthorizedKey(data); perr == nil {
			return nil, &ConfigError{"ssh_key", file + " is a public key; give its private half"}
		}
		return nil, &ConfigError{"ssh_key", fmt.Sprintf("%s is not a private key: %v", file, err)}
	}
	return signer, nil
}

// loadKnownHosts reads known_hosts. One holding no host key at all is refused: host keys
// are always checked, so no connection could succeed.
func loadKnownHosts(file, addr string) (ssh.HostKeyCallback, *ConfigError) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &ConfigError{"known_hosts", readError(file, err)}
	}
	host, port, _ := net.SplitHostPort(addr)
	if !holdsEntries(data) {
		return nil, &ConfigError{"known_hosts", fmt.Sprintf("%s holds no host key; add the server's with: ssh-keyscan -p %s %s >> %s", file, port, host, file)}
	}
	check, err := knownhosts.New(file)
	if err != nil {
		// The library names itself and the file at each level of its message.
		msg := strings.ReplaceAll(err.Error(), "knownhosts: ", "")
		msg = strings.TrimPrefix(msg, file+": ")
		return nil, &ConfigError{"known_hosts", fmt.Sprintf("%s is not a known_hosts file: %s", file, msg)}
	}
	return check, nil
}

// holdsEntries reports whether known_hosts data has a line other than blanks and comments.
func holdsEntries(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 && line[0] != '#' {
			return true
		}
	}
	return false
}

// readError says why file could not be read, naming it once.
func readError(file string, err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("cannot read %s: %v", file, err)
}
