package sshdtest

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"
)

// TestRelayPacesUploads: what a client sends reaches the server whole, and no faster than
// the rate; the server's replies come back through the relay.
func TestRelayPacesUploads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(io.LimitReader(c, 1<<20))
		_, _ = c.Write([]byte("thanks"))
		got <- b
	}()
	const rate = 4 << 20
	r := StartRelay(t, ln.Addr().String(), rate)
	c, err := net.Dial("tcp", r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := make([]byte, 1<<20)
	rand.Read(sent)
	start := time.Now()
	if _, err := c.Write(sent); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 6)
	if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "thanks" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	took := time.Since(start)
	if b := <-got; !bytes.Equal(b, sent) {
		t.Fatalf("the server got %d bytes, not the %d sent", len(b), len(sent))
	}
	if min := time.Second * time.Duration(len(sent)) / rate; took < min*8/10 {
		t.Errorf("1 MiB passed in %v at %d bytes/s: not paced (want at least %v)", took, rate, min)
	}
}
