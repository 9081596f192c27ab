package config

import "path/filepath"

// localFiles are the settings that name a file or folder on this machine. A relative one is
// taken from the config file's folder: the service starts in / and an operator checks the
// file from anywhere, and both must find the same files.
func (c *Config) localFiles() []*string {
	paths := []*string{&c.StateDir, &c.Snakefruit.SSHKey, &c.Snakefruit.KnownHosts, &c.Signing.Keyring}
	if c.IRC != nil {
		paths = append(paths, &c.IRC.CAFile)
		if c.IRC.SASL != nil {
			paths = append(paths, &c.IRC.SASL.CertFile, &c.IRC.SASL.KeyFile)
		}
	}
	return paths
}

// resolveFiles makes every relative local path relative to dir ("" = leave them as they are,
// relative to the working directory).
func (c *Config) resolveFiles(dir string) {
	if dir == "" {
		return
	}
	for _, p := range c.localFiles() {
		if *p == "" || filepath.IsAbs(*p) {
			continue
		}
		*p = filepath.Join(dir, *p)
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
}
