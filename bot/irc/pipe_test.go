package irc

import (
	"net"
	"testing"
)

// netPipe is a connected pair of in-memory conns closed at the end of the test.
func netPipe(t *testing.T) (server, client net.Conn) {
	t.Helper()
	server, client = net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}
