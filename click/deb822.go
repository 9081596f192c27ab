package click

import (
	"fmt"
	"strings"
)

// parseControlFields reads the first deb822 paragraph of a control file. Field names are
// matched case-insensitively (as python-debian, which click uses, does), so keys are stored
// lower-cased; values keep continuation lines joined by "\n".
//
// pault.ag/go/debian/control would fit, but it imports golang.org/x/crypto/openpgp, which
// x/crypto v0.59.0 (the version this module requires) no longer contains, so it cannot be
// built here; the format is small enough to read directly.
func parseControlFields(data string) (map[string]string, error) {
	fields := map[string]string{}
	last := ""
	started := false
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			if started {
				break
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				return nil, fmt.Errorf("line %d: continuation line before any field", i+1)
			}
			fields[last] += "\n" + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("line %d: %q is not a \"Field: value\" line", i+1, truncate(line, 40))
		}
		key := strings.ToLower(name)
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("field %s appears twice", name)
		}
		fields[key] = strings.TrimSpace(value)
		last = key
		started = true
	}
	if !started {
		return nil, fmt.Errorf("no fields")
	}
	return fields, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
