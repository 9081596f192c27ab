package click

import (
	"fmt"
	"regexp"
	"strings"
)

// Debian policy 5.6.1: lower-case letters, digits, "+", "-", "."; two or more characters;
// starting with a letter or digit. Click names ("com.example.app") live inside this.
var debianName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)

// Architecture names as dpkg spells them (armhf, arm64, amd64, i386, ...).
var archName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func checkName(name string) error {
	// click install's audit checks "/" and "_" first; keep its wording for those.
	for _, c := range []string{"/", "_"} {
		if strings.Contains(name, c) {
			return fmt.Errorf("manifest name %q contains %q", name, c)
		}
	}
	if !debianName.MatchString(name) {
		return fmt.Errorf("manifest name %q is not a valid Debian package name (a-z, 0-9, +, -, .; 2+ characters)", name)
	}
	return nil
}

func checkVersion(v string) error {
	for _, c := range []string{"/", "_"} {
		if strings.Contains(v, c) {
			return fmt.Errorf("manifest version %q contains %q", v, c)
		}
	}
	if _, err := parseVersion(v); err != nil {
		return fmt.Errorf("manifest version is not a valid Debian version: %v", err)
	}
	return nil
}

// Filename is the name click build gives a click: name_version-without-epoch_arch.click.
func Filename(name, version, fileArch string) string {
	return name + "_" + epochless(version) + "_" + fileArch + ".click"
}
