package click

import (
	"fmt"
	"strings"

	"pault.ag/go/debian/version"
)

// CompareVersions compares two Debian versions the way dpkg --compare-versions does:
// negative if a < b, 0 if equal, positive if a > b. Versions dpkg would reject are errors.
func CompareVersions(a, b string) (int, error) {
	va, err := parseVersion(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseVersion(b)
	if err != nil {
		return 0, err
	}
	return version.Compare(va, vb), nil
}

// parseVersion is version.Parse plus the few checks dpkg makes that it skips (an epoch that
// is not plain digits, an empty upstream version or revision), so that a version stagebot
// accepts is one dpkg and click's apt_pkg would order the same way.
func parseVersion(s string) (version.Version, error) {
	if s != strings.TrimSpace(s) {
		return version.Version{}, fmt.Errorf("version %q has surrounding spaces", s)
	}
	if epoch, _, ok := strings.Cut(s, ":"); ok {
		if epoch == "" || strings.Trim(epoch, "0123456789") != "" || len(epoch) > 9 {
			return version.Version{}, fmt.Errorf("version %q: epoch %q is not a small number", s, epoch)
		}
	}
	v, err := version.Parse(s)
	if err != nil {
		return version.Version{}, fmt.Errorf("version %q: %v", s, err)
	}
	if v.Version == "" {
		return version.Version{}, fmt.Errorf("version %q: upstream version is empty", s)
	}
	if strings.HasSuffix(s, "-") {
		return version.Version{}, fmt.Errorf("version %q: revision is empty", s)
	}
	return v, nil
}

// epochless drops a leading "N:" the way click build names files.
func epochless(v string) string {
	if epoch, rest, ok := strings.Cut(v, ":"); ok && epoch != "" && strings.Trim(epoch, "0123456789") == "" {
		return rest
	}
	return v
}
