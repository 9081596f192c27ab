package testenv

import (
	"net"
	"os"
	"slices"
	"testing"
)

func TestNotListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	free := FreePort(t)
	missing, err := NotListening(os.Getpid(), []int{port, free})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []int{free}) {
		t.Errorf("not listening on %v, want only the free port %d (this process listens on %d)", missing, free, port)
	}
	// Another process's listener is not this one's: pid 1 does not listen on our port.
	if missing, err := NotListening(1, []int{port}); err == nil && len(missing) != 1 {
		t.Errorf("pid 1 is said to listen on %d", port)
	}
}
