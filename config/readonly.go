package config

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// ReadOnly is what the subcommands that only read the bot's records (audit log, audit
// verify) take from a config file: where the records are, and where the running bot
// answers when it holds them.
type ReadOnly struct {
	// StateDir is state_dir, absolute when the file named a relative one.
	StateDir string
	// Listen is http.listen; "" without an HTTP server.
	Listen string
}

// LoadReadOnly reads from the config file at path the keys ReadOnly has, each expanded and
// checked as Load does. Nothing else in the file is decoded: a ${VAR} for a chat or webhook
// secret may be unset for these subcommands, and a section they do not use cannot stop
// them (check-config judges the whole file). A relative state_dir, the default ./var
// included, is relative to the file's folder.
func LoadReadOnly(path string, getenv func(string) (string, bool)) (*ReadOnly, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	if getenv == nil {
		getenv = os.LookupEnv
	}
	d := &decoder{file: path, getenv: getenv}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && err.Error() != "EOF" {
		return nil, Problems{{File: path, Message: "not valid YAML: " + err.Error()}}
	}
	ro := &ReadOnly{}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		top := resolveAlias(root.Content[0])
		if top.Kind != yaml.MappingNode {
			d.fail("", "expected a mapping of keys, got %s", kindName(top))
		}
		for k, v := range mapping(top) {
			switch k {
			case "state_dir":
				d.decode("state_dir", v, reflect.ValueOf(&ro.StateDir).Elem())
			case "http":
				v = resolveAlias(v)
				if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
					continue
				}
				if v.Kind != yaml.MappingNode {
					d.fail("http", "expected a mapping of keys, got %s", kindName(v))
					continue
				}
				if listen, ok := mapping(v)["listen"]; ok {
					before := len(d.problems)
					d.decode("http.listen", listen, reflect.ValueOf(&ro.Listen).Elem())
					if _, _, err := net.SplitHostPort(ro.Listen); err != nil && len(d.problems) == before {
						d.fail("http.listen", "must be host:port, got %q", ro.Listen)
					}
				}
			}
		}
	}
	if len(d.problems) > 0 {
		return nil, d.problems
	}
	if ro.StateDir == "" {
		ro.StateDir = "./var"
	}
	if !filepath.IsAbs(ro.StateDir) {
		ro.StateDir = filepath.Join(filepath.Dir(path), ro.StateDir)
	}
	if abs, err := filepath.Abs(ro.StateDir); err == nil {
		ro.StateDir = abs
	}
	return ro, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// mapping is a mapping node's values by key (the first of a key given twice).
func mapping(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if _, dup := m[n.Content[i].Value]; !dup {
			m[n.Content[i].Value] = n.Content[i+1]
		}
	}
	return m
}
