package app

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// Signalled is the cause of a context NotifyContext ended: the signal that stopped the bot,
// which its stop line names.
type Signalled struct{ Signal os.Signal }

func (s Signalled) Error() string { return signalName(s.Signal) + " received" }

// Is makes a Signalled a cancellation to whoever checks for one.
func (Signalled) Is(target error) bool { return target == context.Canceled }

// NotifyContext is signal.NotifyContext whose cause, once a signal came, is a Signalled
// naming it (the standard one words it for people only). Later signals are caught too, until
// stop: a second Ctrl-C does not cut the drain short.
func NotifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			cancel(Signalled{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}

// stopSignal names the signal that ended ctx, or "" when none did.
func stopSignal(ctx context.Context) string {
	var s Signalled
	if errors.As(context.Cause(ctx), &s) {
		return signalName(s.Signal)
	}
	return ""
}

// signalName is the name operators know a signal by (SIGTERM, not "terminated").
func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return s.String()
}
