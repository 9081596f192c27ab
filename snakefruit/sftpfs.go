package snakefruit

import "net/url"

func newSFTPFS(u *url.URL, cfg Config) (fsys, error) {
	return nil, &ConfigError{"target", "sftp is not implemented yet"}
}
