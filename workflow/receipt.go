package workflow

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"stagebot"
	"stagebot/receipt"
	"stagebot/storage"
)

// seal makes and keeps r's receipt inside tx, the transaction that records r's lock: after
// the lock's audit entry was appended (the receipt names it as the chain's head) and before
// the locked event is announced, so that no request is ever locked without its receipt, nor
// announced before it has one. A receipt that cannot be made fails the lock.
func (s *Service) seal(tx *storage.Tx, r *stagebot.Request) error {
	head, ok, err := tx.AuditHead()
	if err != nil {
		return err
	}
	// The receipt vouches for the entry that records this lock, never for another.
	if !ok || head.RequestID != r.ID || head.Action != string(stagebot.StateLocked) {
		return permanent(fmt.Errorf("receipt of %s: the audit log's head (%d, %s of %s) is not its lock",
			r.ShortID(), head.Seq, head.Action, stagebot.ShortID(head.RequestID)))
	}
	in, err := s.receiptInput(r, head.Hash)
	if err != nil {
		return permanent(err)
	}
	env, err := s.cfg.Signer.Sign(in)
	if err != nil {
		return permanent(err)
	}
	return tx.PutReceipt(r.ID, env)
}

// receiptInput is what r's receipt says, r being recorded locked (its Updated is the time
// of the lock) with the lock's audit entry auditHead.
func (s *Service) receiptInput(r *stagebot.Request, auditHead string) (receipt.Input, error) {
	policy, err := receipt.PolicyOf(s.cfg.Policy, s.cfg.Team)
	if err != nil {
		return receipt.Input{}, err
	}
	// The approvals the lock counted: on these bytes, one per person, in the order given.
	var approvals []receipt.Signoff
	for _, a := range r.ValidApprovals() {
		approvals = append(approvals, signoff(a))
	}
	var qa *receipt.Signoff
	if q := r.QASignoff; q != nil && q.SHA256 == r.SHA256 {
		so := signoff(*q)
		qa = &so
	}
	target := ""
	if s.cfg.Target != nil {
		target = s.cfg.Target.String()
	}
	return receipt.Input{
		Filename: r.Filename,
		SHA256:   r.SHA256,
		SHA512:   r.SHA512,
		Predicate: receipt.Predicate{
			Request:   r.ID,
			Requester: receipt.Person{By: r.RequesterDisplay(), Identity: receipt.IdentityOf(r.Requester)},
			Approvals: approvals,
			QA:        qa,
			Policy:    policy,
			Inspection: receipt.Inspection{Name: r.Name, Version: r.Version, Architecture: r.Arch,
				Framework: r.Framework, Signer: receipt.NullString(r.SignerFingerprint)},
			// Sign takes the credentials out of both, as every other view of a URL does.
			Source:      r.Source,
			Destination: receipt.Destination{Target: target, Filename: r.Filename},
			LockedAt:    r.Updated,
			AuditHead:   auditHead,
		},
	}, nil
}

func signoff(a stagebot.Approval) receipt.Signoff {
	return receipt.Signoff{By: a.Display(), Identity: receipt.IdentityOf(a.By), At: a.At}
}

// lockSHA512 is the sha512 r's receipt needs when the digest made while r waited is not
// there (a restart came first, or the lock overtook it): read from the bot's copy, outside
// any transaction, before the lock touches snakefruit. The copy must still be the bytes
// approved, as the receipt names their sha256 beside. "" when no receipt is made or the
// digest is there.
func (s *Service) lockSHA512(ctx context.Context, r *stagebot.Request) (string, error) {
	if s.cfg.Signer == nil || r.SHA512 != "" {
		return "", nil
	}
	h256, h512 := sha256.New(), sha512.New()
	if err := hashFile(ctx, r.LocalPath, io.MultiWriter(h256, h512)); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		// As a lock that cannot read the copy to upload it: nothing a retry changes.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the local path is for the log only
		}
		return "", permanent(stagebot.Errorf(stagebot.EINTERNAL, "the bot's copy of %s cannot be read: %v", stagebot.Quote(r.Filename), err))
	}
	if got := hex.EncodeToString(h256.Sum(nil)); got != r.SHA256 {
		return "", permanent(stagebot.Errorf(stagebot.EINTERNAL, "the bot's copy of %s changed since it was approved (sha256 %s, approved %s)",
			stagebot.Quote(r.Filename), got, r.SHA256))
	}
	return hex.EncodeToString(h512.Sum(nil)), nil
}

func hashFile(ctx context.Context, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, ctxReader{ctx, f})
	return err
}

// Receipt is the signed receipt of the request with that ID or unique prefix, exactly as
// it was made at the lock. An unknown ID is an ENOTFOUND *stagebot.Error (an ambiguous or
// malformed one EINVALID), a request without a receipt a *storage.NoReceiptError (code
// ENOTFOUND too) saying why: not locked (yet, or ever), locked while receipts were off, or
// receipts are off now so its lock will make none.
func (s *Service) Receipt(idOrPrefix string) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *storage.Tx) error {
		var err error
		out, err = tx.FindReceipt(idOrPrefix)
		return err
	})
	var none *storage.NoReceiptError
	if errors.As(err, &none) && none.Why == storage.NoReceiptNotLocked && s.cfg.Signer == nil && !none.State.Final() {
		none.Why = storage.NoReceiptOff
	}
	return out, err
}
