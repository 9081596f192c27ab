package config

import (
	"net"
	"strings"
)

// loopbackServer reports whether host:port names this machine, where a password in the
// clear never crosses a network (a local stunnel or bouncer, a test server).
func loopbackServer(server string) bool {
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
