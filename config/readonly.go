package config

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
	cfg, err := Load(path, getenv, Only("state_dir", "http.listen"))
	if err != nil {
		return nil, err
	}
	ro := &ReadOnly{StateDir: cfg.StateDir}
	if cfg.HTTP != nil {
		ro.Listen = cfg.HTTP.Listen
	}
	return ro, nil
}
