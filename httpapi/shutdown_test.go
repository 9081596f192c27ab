package httpapi

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// Issue 13, item 1: Shutdown from another goroutine before or while Serve starts stops the
// server (no race on the http.Server, no server left running). Run with -race.
func TestShutdownBeforeOrDuringServe(t *testing.T) {
	for _, first := range []string{"shutdown", "serve"} {
		t.Run(first, func(t *testing.T) {
			s := New(Config{})
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			served := make(chan error, 1)
			if first == "shutdown" {
				if err := s.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
				go func() { served <- s.Serve(l) }()
			} else {
				go func() { served <- s.Serve(l) }()
				if err := s.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case err := <-served:
				if err != nil && !errors.Is(err, net.ErrClosed) {
					t.Fatalf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve still running after Shutdown")
			}
		})
	}
}
