package irc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
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
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("irc.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("irc.ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if strings.EqualFold(cfg.SASLMechanism, "EXTERNAL") || cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("irc.sasl client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	td := &tls.Dialer{NetDialer: d, Config: tc}
	return td.DialContext(ctx, "tcp", cfg.Server)
}
