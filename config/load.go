package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config file, printed as `FILE: key.path: message`, or
// `FILE: key.path: warning: message` for one that leaves the file valid.
type Problem struct {
	File    string
	Path    string
	Message string
	Warning bool
	line    int // of Path (or its nearest parent) in the file: problems are listed in its order
}

func (p Problem) String() string {
	msg := p.Message
	if p.Warning {
		msg = "warning: " + msg
	}
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", p.File, msg)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Path, msg)
}

// Problems is every problem found; it is an error when not empty.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Option narrows what Load and Parse check.
type Option func(*options)

type options struct {
	only []string
}

// Only is for a command that reads a few keys of the file (the audit log reads state_dir):
// what is wrong elsewhere (an unset ${VAR} holding a chat secret, a key file it never
// opens) is not its concern. Problems at the keys given, below them and in what holds them
// are still reported, and a file that is not YAML is refused whole.
func Only(keys ...string) Option {
	return func(o *options) { o.only = append(o.only, keys...) }
}

// Load reads, expands, decodes, defaults and validates a config file, and reads the files it
// names that the bot reads at start. It returns every problem it finds, not just the first;
// warnings come with the errors, or in Config.Warnings when there is none. A relative
// path (state_dir, key files) is taken from the file's folder.
func Load(path string, getenv func(string) (string, bool), opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Problems{{File: path, Message: "cannot read it: " + err.Error()}}
	}
	return parse(path, filepath.Dir(path), data, getenv, opts)
}

// Parse is Load on bytes already read; name is used in problems, and relative paths stay
// relative to the working directory.
func Parse(name string, data []byte, getenv func(string) (string, bool), opts ...Option) (*Config, error) {
	return parse(name, "", data, getenv, opts)
}

func parse(name, dir string, data []byte, getenv func(string) (string, bool), opts []Option) (*Config, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if getenv == nil {
		getenv = os.LookupEnv
	}
	d := &decoder{file: name, getenv: getenv, given: map[string]bool{}, lines: map[string]int{}}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && err.Error() != "EOF" {
		return nil, Problems{{File: name, Message: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	cfg := &Config{}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		d.decode("", root.Content[0], reflect.ValueOf(cfg).Elem())
	}
	decoded := d.problems
	cfg.applyDefaults(dir, func(path string) bool { return d.given[path] })
	c := &checker{file: name, durations: d.durations, decoded: decoded, only: o.only}
	cfg.validate(c)
	cfg.readFiles(c)
	ps := append(o.keep(decoded, true), o.keep(c.problems, false)...)
	for i := range ps {
		ps[i].line = d.lineOf(ps[i].Path)
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(a.line, b.line) })
	if slices.ContainsFunc(ps, func(p Problem) bool { return !p.Warning }) {
		return nil, ps
	}
	cfg.Warnings = ps
	return cfg, nil
}

// keep is the problems that concern the keys of an Only option: those at or below one of
// them, and, for problems in reading the file (decoded), those at a key that holds one.
func (o options) keep(ps Problems, decoded bool) Problems {
	if len(o.only) == 0 {
		return ps
	}
	var out Problems
	for _, p := range ps {
		if slices.ContainsFunc(o.only, func(k string) bool { return within(p.Path, k) || (decoded && within(k, p.Path)) }) {
			out = append(out, p)
		}
	}
	return out
}

// within reports whether path is key or below it: team.landing[0].irc is within team,
// team.landing and team.landing[0]; "" holds everything.
func within(path, key string) bool {
	if key == "" || path == key {
		return true
	}
	rest, ok := strings.CutPrefix(path, key)
	return ok && (rest[0] == '.' || rest[0] == '[')
}

// parent is the key that holds path: "" for a top-level key.
func parent(path string) string {
	return path[:max(0, strings.LastIndexAny(path, ".["))]
}

type decoder struct {
	file     string
	getenv   func(string) (string, bool)
	problems Problems
	// given holds every key path the file gives a value (not null) to: a default fills only
	// what the file leaves out, so that a 0 written is judged, not replaced.
	given map[string]bool
	// lines is where each key path is in the file.
	lines map[string]int
	// durations are every duration the file gives, for the one rule they all follow.
	durations []givenDuration
}

type givenDuration struct {
	path string
	d    *Duration
}

func (d *decoder) fail(path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...)})
}

// lineOf is the line of path in the file, or of the nearest key that holds it.
func (d *decoder) lineOf(path string) int {
	for {
		if l, ok := d.lines[path]; ok || path == "" {
			return l
		}
		path = parent(path)
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} in a scalar; an unset variable is a problem at that key, which is
// then not decoded (the value would be wrong, and saying so twice is noise).
func (d *decoder) expand(path string, n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || !strings.Contains(n.Value, "${") {
		return true
	}
	ok := true
	n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, set := d.getenv(name)
		if !set {
			d.fail(path, "environment variable %s is not set", name)
			ok = false
		}
		return v
	})
	// The substituted value takes the type the field wants: "${MAX}" may fill an integer,
	// and a secret of digits still fills a string field.
	n.Tag, n.Style = "", 0
	return ok
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	durationType    = reflect.TypeFor[Duration]()
)

// decode walks the node tree alongside the Go type, so each problem carries its key path.
func (d *decoder) decode(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if !d.expand(path, n) {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	d.given[path] = true
	if v.Kind() == reflect.Pointer {
		if v.Type().Implements(unmarshalerType) || v.Type().Elem().Kind() == reflect.Struct {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			d.decode(path, n, v.Elem())
			return
		}
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(path, "%s", cleanErr(err))
		} else if v.Type() == durationType {
			d.durations = append(d.durations, givenDuration{path, v.Addr().Interface().(*Duration)})
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(path, "expected a mapping of keys, got %s", kindName(n))
			return
		}
		fields := map[string]int{}
		var names []string
		for i := 0; i < v.NumField(); i++ {
			tag := strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				fields[tag] = i
				names = append(names, tag)
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			sub := join(path, key)
			d.lines[sub] = n.Content[i].Line
			if seen[key] {
				d.fail(sub, "key given twice")
				continue
			}
			seen[key] = true
			idx, ok := fields[key]
			if !ok {
				if near := nearest(key, names); near != "" {
					d.fail(sub, "unknown key (did you mean %s?)", near)
				} else {
					d.fail(sub, "unknown key")
				}
				continue
			}
			d.decode(sub, n.Content[i+1], v.Field(idx))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(path, "expected a list, got %s", kindName(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i)
			d.lines[sub] = item.Line
			d.decode(sub, item, out.Index(i))
		}
		v.Set(out)
	default:
		if n.Kind != yaml.ScalarNode {
			d.fail(path, "expected a single value, got %s", kindName(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(path, "expected %s, got %q", typeName(v.Type()), n.Value)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

func cleanErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s, "yaml:") {
		return s[i+2:]
	}
	return s
}
