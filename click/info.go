package click

import (
	"github.com/ProtonMail/go-crypto/openpgp"
)

// Options tune Inspect; the zero value inspects with sane bounds and no signature policy.
type Options struct {
	Keyring          openpgp.EntityList // nil: signatures are reported but not required
	StableFrameworks []string
	MaxControlBytes  int64 // decompressed control.tar.gz cap; 0 = DefaultMaxControlBytes
	MaxDataBytes     int64 // decompressed data.tar.gz cap; 0 = DefaultMaxDataBytes
	// SHA512 also hashes the whole click with sha512 (Info.SHA512). It costs more CPU than
	// the transfer on a small machine, so the bot leaves it out of `!stage` and computes it
	// while the request waits (only publishing needs it); `stagebot inspect` shows it.
	SHA512 bool
}

const (
	DefaultMaxControlBytes = 16 << 20
	DefaultMaxDataBytes    = 8 << 30
)

func (o Options) maxControl() int64 {
	if o.MaxControlBytes > 0 {
		return o.MaxControlBytes
	}
	return DefaultMaxControlBytes
}

func (o Options) maxData() int64 {
	if o.MaxDataBytes > 0 {
		return o.MaxDataBytes
	}
	return DefaultMaxDataBytes
}

// Problem is one reason a click is refused. Code is stable for programs; Message is for
// people in chat and names the offending value.
type Problem struct{ Code, Message string }

// Problem codes.
const (
	CodeArchive       = "archive"         // not an ar archive, truncated, members missing or out of order
	CodeDebianBinary  = "debian-binary"   // debian-binary is not "2.0"
	CodeClickBinary   = "click-binary"    // _click-binary missing or newer than this reader knows
	CodeControl       = "control"         // control.tar.gz unreadable or a control field wrong or missing
	CodeForbidden     = "forbidden-field" // a dependency field click forbids
	CodeScript        = "maintainer-script"
	CodeManifest      = "manifest"
	CodeName          = "name"
	CodeVersion       = "version"
	CodeArchitecture  = "architecture"
	CodeFramework     = "framework"
	CodeMD5Sums       = "md5sums"
	CodeData          = "data" // data.tar.gz unreadable or an unsafe entry in it
	CodeTooLarge      = "too-large"
	CodeSignature     = "signature"
	CodeInstalledSize = "installed-size"
)

// Signature describes the _gpgorigin member.
type Signature struct {
	KeyID  string // issuer long key ID, 16 upper-case hex digits ("" if unreadable)
	Signer string // primary user ID of the key that made a valid signature
	Valid  bool
	Reason string // why it is not valid, or "" when it is

	// Fingerprint is the fingerprint, lowercase hex, of the key (the primary key or the
	// signing subkey) whose valid signature the click carries: set only once the signature
	// verified against the keyring, as only then is the key known, not just named.
	Fingerprint string
}

// Info is what Inspect learned about a click.
type Info struct {
	Name, Version, Framework string
	Architectures            []string // from the manifest; ["all"], ["armhf"], or a list
	FileArch                 string   // "all", "armhf", ... or "multi"
	Filename                 string   // name_version-without-epoch_filearch.click
	InstalledSize            int64    // KiB, from the control area
	Title, Maintainer        string
	Size                     int64  // bytes read
	SHA256, SHA512           string // hex, of every byte read
	Signature                *Signature
	NeedsFrameworks          []string // frameworks the click needs that StableFrameworks lacks
	Problems                 []Problem
}

// OK reports whether the click is acceptable.
func (i *Info) OK() bool { return len(i.Problems) == 0 }

func (i *Info) problem(code, format string, args ...any) {
	i.Problems = append(i.Problems, Problem{Code: code, Message: sprintf(format, args...)})
}
