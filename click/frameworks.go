package click

import (
	"fmt"
	"slices"
	"strings"
)

// parseFrameworks splits a manifest framework string the way click's validate_framework
// reads it with apt_pkg.parse_depends: a comma-separated list, with no alternatives ("|")
// and no version relations, which click does not allow yet.
func parseFrameworks(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("manifest framework is empty")
	}
	var names []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case strings.Contains(part, "|"):
			return names, fmt.Errorf("alternative frameworks in %q are not allowed", s)
		case strings.ContainsAny(part, "()<>="):
			return names, fmt.Errorf("version relation in framework %q is not allowed", s)
		case part == "" || strings.ContainsAny(part, " \t\n[]"):
			return names, fmt.Errorf("could not parse framework %q", s)
		}
		names = append(names, part)
	}
	return names, nil
}

// missingFrameworks lists the frameworks not in stable; with no stable list configured
// there is nothing to compare against, so it reports none.
func missingFrameworks(names, stable []string) []string {
	if len(stable) == 0 {
		return nil
	}
	var missing []string
	for _, n := range names {
		if !slices.Contains(stable, n) {
			missing = append(missing, n)
		}
	}
	return missing
}
