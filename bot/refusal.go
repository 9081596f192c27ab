package bot

import (
	"context"
	"log/slog"
	"sync"
)

// Refusal is what an adapter keeps of the credential its network refused: the first one
// is logged and kept, and it ends the adapter's Run, which returns it (see
// CredentialError). Any goroutine of the adapter may record one; the zero Refusal is ready.
type Refusal struct {
	mu   sync.Mutex
	err  *CredentialError
	stop context.CancelFunc
}

// Arm names what ends the adapter's Run (its context's cancel): a refusal recorded from
// then on calls it.
func (r *Refusal) Arm(stop context.CancelFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop = stop
}

// Refuse records err, and logs msg with it, unless a refusal was recorded already; either
// way it ends the Run Arm named.
func (r *Refusal) Refuse(log *slog.Logger, msg string, err *CredentialError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		log.Error(msg, "setting", err.Setting, "err", err.Err)
		r.err = err
	}
	if r.stop != nil {
		r.stop()
	}
}

// Err is the credential refused, or nil (an untyped nil, fit to return as an error).
func (r *Refusal) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		return nil
	}
	return r.err
}
