package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config file, printed as `FILE: key.path: message`.
type Problem struct {
	File    string
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Path, p.Message)
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

// Load reads, expands, decodes, defaults and validates a config file. It returns every
// problem it finds, not just the first.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The problem is printed after the file's name: the file system's error would
		// name it again.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Problems{{File: path, Message: "cannot read it: " + err.Error()}}
	}
	return Parse(path, data, getenv)
}

// Parse is Load on bytes already read; name is used in problems.
func Parse(name string, data []byte, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	d := &decoder{file: name, getenv: getenv}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && err.Error() != "EOF" {
		return nil, Problems{{File: name, Message: "not valid YAML: " + err.Error()}}
	}
	cfg := &Config{}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		d.decode("", root.Content[0], reflect.ValueOf(cfg).Elem())
	}
	if len(d.problems) == 0 {
		cfg.applyDefaults()
		d.problems = append(d.problems, cfg.validate(name)...)
	}
	if len(d.problems) > 0 {
		return nil, d.problems
	}
	return cfg, nil
}

type decoder struct {
	file     string
	getenv   func(string) (string, bool)
	problems Problems
}

func (d *decoder) fail(path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...)})
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} in a scalar; an unset variable is a problem at that key.
func (d *decoder) expand(path string, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || !strings.Contains(n.Value, "${") {
		return
	}
	n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := d.getenv(name)
		if !ok {
			d.fail(path, "environment variable %s is not set", name)
		}
		return v
	})
	// The substituted value takes the type the field wants: "${MAX}" may fill an integer,
	// and a secret of digits still fills a string field.
	n.Tag, n.Style = "", 0
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode walks the node tree alongside the Go type, so each problem carries its key path.
func (d *decoder) decode(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.expand(path, n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
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
		for i := 0; i < v.NumField(); i++ {
			tag := strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				fields[tag] = i
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			sub := join(path, key)
			if seen[key] {
				d.fail(sub, "key given twice")
				continue
			}
			seen[key] = true
			idx, ok := fields[key]
			if !ok {
				d.fail(sub, "unknown key")
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
			d.decode(fmt.Sprintf("%s[%d]", path, i), item, out.Index(i))
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
