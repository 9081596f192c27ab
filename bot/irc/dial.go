package irc

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"stagebot/internal/tlsfiles"
)

// dial opens the connection, with TLS when configured. The CA and client certificate files
// are read at each attempt so a renewed certificate is picked up without a restart.
func dial(ctx context.Context, cfg Config) (net.Conn, error) {
	d := &net.Dialer{Timeout: cfg.dialTimeout}
	if !cfg.TLS {
		return d.DialContext(ctx, "tcp", cfg.Server)
	}
	host, _, err := net.SplitHostPort(cfg.Server)
	if err != nil {
		return nil, err
	}
	withCert := strings.EqualFold(cfg.SASLMechanism, "EXTERNAL") || cfg.CertFile != ""
	tc, errs := tlsfiles.Client(host, cfg.CAFile, cfg.CertFile, cfg.KeyFile, withCert)
	if len(errs) > 0 {
		return nil, fmt.Errorf("irc.%s: %w", fileKey(errs[0]), errs[0])
	}
	td := &tls.Dialer{NetDialer: d, Config: tc}
	return td.DialContext(ctx, "tcp", cfg.Server)
}

// fileKey is the setting under irc that names the file a tlsfiles.FileError is about.
func fileKey(e *tlsfiles.FileError) string {
	if e.Which == tlsfiles.CA {
		return "ca_file"
	}
	return "sasl.cert_file"
}
