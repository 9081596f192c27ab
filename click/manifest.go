package click

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkManifest validates the manifest and fills in the click's identity from it.
func (in *inspection) checkManifest(text string) {
	info := in.info
	if !utf8.ValidString(text) {
		in.problem(CodeManifest, "manifest is not UTF-8")
		return
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		in.problem(CodeManifest, "manifest is not a JSON object: %v", err)
		return
	}
	if dec.More() {
		in.problem(CodeManifest, "manifest has data after its JSON object")
	}

	str := func(key string, required bool) (string, bool) {
		v, ok := m[key]
		if !ok {
			if required {
				in.problem(CodeManifest, "manifest has no %q", key)
			}
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			in.problem(CodeManifest, "manifest %q is %s, not a string", key, jsonType(v))
			return "", false
		}
		return s, true
	}

	if name, ok := str("name", true); ok {
		info.Name = name
		if err := checkName(name); err != nil {
			in.problem(CodeName, "%v", err)
		}
	}
	if version, ok := str("version", true); ok {
		info.Version = version
		if err := checkVersion(version); err != nil {
			in.problem(CodeVersion, "%v", err)
		}
	}
	if fw, ok := str("framework", true); ok {
		info.Framework = fw
		names, err := parseFrameworks(fw)
		if err != nil {
			in.problem(CodeFramework, "%v", err)
		}
		info.NeedsFrameworks = missingFrameworks(names, in.opts.StableFrameworks)
	}
	in.installedSize(m)
	if title, ok := str("title", false); ok {
		info.Title = title
	}
	if maint, ok := str("maintainer", false); ok && info.Maintainer == "" {
		info.Maintainer = maint
	}
	in.architecture(m)

	if info.Name != "" && info.Version != "" && info.FileArch != "" {
		info.Filename = Filename(info.Name, info.Version, info.FileArch)
	}
	in.controlMatchesManifest()
}

func (in *inspection) installedSize(m map[string]any) {
	v, ok := m["installed-size"]
	if !ok {
		in.problem(CodeManifest, `manifest has no "installed-size"`)
		return
	}
	var n int64
	var err error
	switch v := v.(type) {
	case string: // what click build writes
		n, err = strconv.ParseInt(v, 10, 64)
	case json.Number:
		n, err = strconv.ParseInt(v.String(), 10, 64)
	default:
		in.problem(CodeManifest, `manifest "installed-size" is %s, not a number`, jsonType(v))
		return
	}
	if err != nil || n < 0 {
		in.problem(CodeManifest, `manifest "installed-size" %v is not a whole number of KiB`, v)
		return
	}
	if fields := in.control.fields; fields != nil {
		if c, ok := fields["installed-size"]; ok && c != strconv.FormatInt(n, 10) {
			in.problem(CodeInstalledSize, `manifest "installed-size" %d differs from control Installed-Size %s`, n, c)
		}
	}
}

// architecture applies click's rule: absent means "all", a list makes the file arch "multi".
func (in *inspection) architecture(m map[string]any) {
	info := in.info
	v, ok := m["architecture"]
	if !ok {
		v = "all"
	}
	switch a := v.(type) {
	case string:
		if a != "all" && !archName.MatchString(a) {
			in.problem(CodeArchitecture, "manifest architecture %q is not an architecture name", a)
			return
		}
		info.Architectures = []string{a}
		info.FileArch = a
	case []any:
		if len(a) == 0 {
			in.problem(CodeArchitecture, "manifest architecture is an empty list")
			return
		}
		seen := map[string]bool{}
		for _, e := range a {
			s, ok := e.(string)
			switch {
			case !ok:
				in.problem(CodeArchitecture, "manifest architecture list holds %s, not a string", jsonType(e))
				return
			case s == "all" || s == "multi" || !archName.MatchString(s):
				in.problem(CodeArchitecture, "manifest architecture list holds %q, not an architecture name", s)
				return
			case seen[s]:
				in.problem(CodeArchitecture, "manifest architecture list names %q twice", s)
				return
			}
			seen[s] = true
			info.Architectures = append(info.Architectures, s)
		}
		info.FileArch = "multi"
	default:
		in.problem(CodeArchitecture, "manifest architecture is %s, not a string or a list", jsonType(v))
	}
}

// controlMatchesManifest: click build writes both from the same values; a difference means
// the click was edited by hand, and stagebot names files from the manifest.
func (in *inspection) controlMatchesManifest() {
	fields, info := in.control.fields, in.info
	if fields == nil {
		return
	}
	for _, c := range []struct{ field, value string }{
		{"Package", info.Name}, {"Version", info.Version}, {"Architecture", info.FileArch},
	} {
		got, ok := fields[strings.ToLower(c.field)]
		if ok && c.value != "" && got != c.value {
			in.problem(CodeControl, "control field %s %q differs from the manifest's %q", c.field, got, c.value)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "unknown"
}
