package config

import _ "embed"

//go:embed default.yaml
var defaultYAML []byte

// Default is the embedded default: the console as the only chat, state under ./var, a local
// snakefruit folder, every console user in every role.
func Default() *Config {
	cfg, err := Parse("(embedded default)", defaultYAML, func(string) (string, bool) { return "", false })
	if err != nil {
		panic("embedded default config is invalid: " + err.Error())
	}
	return cfg
}
