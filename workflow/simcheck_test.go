package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"stagebot"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// The simulation's invariants: check after every step, checkListNamesFiles at every
// transport call, checkSettled once the work drained.

// world is what bbolt, the outbox and the folder hold at one moment.
type world struct {
	requests map[string]*stagebot.Request
	jobs     []stagebot.Job
	lines    []string
	files    map[string][]byte
	owned    map[string]string // the list lines the bot records as its own, by filename
	receipts map[string][]byte // by request
}

func (s *sim) look() world {
	w := world{requests: map[string]*stagebot.Request{}, files: s.mem.Snapshot(), receipts: map[string][]byte{}}
	w.lines = snakefruit.ParseList(w.files[snakefruit.DefaultListFile])
	err := s.db.View(func(tx *storage.Tx) error {
		if err := tx.ForEachRequest(func(r *stagebot.Request) error {
			w.requests[r.ID] = r
			if tx.HasReceipt(r.ID) {
				env, err := tx.Receipt(r.ID)
				w.receipts[r.ID] = env
				return err
			}
			return nil
		}); err != nil {
			return err
		}
		w.owned = tx.OwnedLines()
		var err error
		w.jobs, err = tx.Jobs()
		return err
	})
	if err != nil {
		s.fail("read state: %v", err)
	}
	pending, err := s.db.Outbox().PendingTo(simDest, 1<<20)
	if err != nil {
		s.fail("read state: %v", err)
	}
	for _, a := range pending {
		a = shown(a)
		if a.State != "" {
			s.announced[a.AboutRequest()] = append(s.announced[a.AboutRequest()], a.State)
		}
		if a.Receipt != (a.State == stagebot.StateLocked && s.cfg.Signer != nil) {
			s.fail("%q announces a receipt: %v, with receipts on: %v", a.Text, a.Receipt, s.cfg.Signer != nil)
		}
		s.lines = append(s.lines, a)
	}
	if len(pending) > 0 {
		if err := s.db.Outbox().DeliveredTo(simDest, pending[len(pending)-1], ""); err != nil {
			s.fail("read state: %v", err)
		}
	}
	return w
}

func count(lines []string, name string) int {
	n := 0
	for _, l := range lines {
		if l == name {
			n++
		}
	}
	return n
}

func fileSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checkListNamesFiles runs at every transport call: a line of the bot's never names a
// file that is not in the folder, whatever the moment (the list is what click-sync reads).
func (s *sim) checkListNamesFiles(op snakefruit.Op) {
	files := s.mem.Snapshot()
	for _, l := range snakefruit.ParseList(files[snakefruit.DefaultListFile]) {
		if _, ok := files[l]; !ok && !slices.Contains(s.personLines, l) {
			s.fail("at %s %s (after=%v) the list names %s, which is not in the folder", op.Name, op.File, op.After, l)
		}
	}
}

// check verifies what must hold after every step.
func (s *sim) check() world {
	if len(s.lostCalls) > 0 {
		s.fail("an operation found its connection closed under it: %s", s.lostCalls[0])
	}
	w := s.look()
	busy := map[string]bool{} // packages with work queued
	locking := map[string]bool{}
	for _, j := range w.jobs {
		if r := w.requests[j.RequestID]; r != nil {
			busy[r.PackageKey()] = true
		}
		if j.Kind == stagebot.JobLock {
			locking[j.RequestID] = true
		}
	}
	onSnakefruit := map[string]string{}
	for _, r := range w.requests {
		// Every transition announced once, in order.
		var hist []stagebot.State
		for _, h := range r.History {
			hist = append(hist, h.To)
		}
		if !slices.Equal(hist, s.announced[r.ID]) {
			s.fail("[%s] history %v but announced %v", r.ShortID(), hist, s.announced[r.ID])
		}
		// Ended states never change: nothing follows a final state in the history (a
		// step may end and reopen a request without check seeing it in between)...
		for i, h := range r.History[:max(len(r.History)-1, 0)] {
			if h.To.Final() {
				s.fail("[%s] ended %s, then went on to %s", r.ShortID(), h.To, r.History[i+1].To)
			}
		}
		// ...and the request itself stays as it was when it ended.
		if first, ok := s.ended[r.ID]; ok {
			if r.State != first.State || r.Gen != first.Gen || len(r.History) != len(first.History) {
				s.fail("[%s] ended %s, now %s (gen %d -> %d)", r.ShortID(), first.State, r.State, first.Gen, r.Gen)
			}
		} else if r.State.Final() {
			s.ended[r.ID] = *r.Clone()
		}
		// An approved request always has the job that moves it on: nothing else would.
		if r.State == stagebot.StateApproved && !locking[r.ID] {
			s.fail("[%s] is approved but no lock job is queued for it", r.ShortID())
		}
		if r.State == stagebot.StateSuperseded {
			// Only a version that was really locked supersedes.
			by := w.requests[r.SupersededBy]
			if by == nil || !slices.ContainsFunc(by.History, func(t stagebot.Transition) bool { return t.To == stagebot.StateLocked }) {
				s.fail("[%s] superseded by [%s], which was never locked", r.ShortID(), stagebot.ShortID(r.SupersededBy))
			}
		}
		if r.State.OnSnakefruit() {
			// At most one locked version per package.
			if other, ok := onSnakefruit[r.PackageKey()]; ok {
				s.fail("two versions of %s on snakefruit: [%s] and [%s]", r.PackageKey(), stagebot.ShortID(other), r.ShortID())
			}
			onSnakefruit[r.PackageKey()] = r.ID
			if !busy[r.PackageKey()] {
				s.checkLocked(w, r)
			}
		}
	}
	// A request held through a step is not locked in it (a hold keeps it from its lock).
	held := map[string]int{}
	for _, r := range w.requests {
		if r.Hold == nil {
			continue
		}
		if n, ok := s.held[r.ID]; ok {
			for _, h := range r.History[n:] {
				if h.To == stagebot.StateLocked {
					s.fail("[%s] was locked while held", r.ShortID())
				}
			}
		}
		held[r.ID] = len(r.History)
	}
	s.held = held
	s.checkReceipts(w)
	// People's lines stay, once each and in their order, and their files as they put them.
	var persons []string
	for _, l := range w.lines {
		if slices.Contains(s.personLines, l) {
			persons = append(persons, l)
		}
	}
	if !slices.Equal(persons, s.personLines) {
		s.fail("people's lines %v became %v (list %v)", s.personLines, persons, w.lines)
	}
	for name, b := range s.personFiles {
		if got, ok := w.files[name]; !ok || string(got) != string(b) {
			s.fail("a person's file %s was changed or removed (present %v)", name, ok)
		}
	}
	return w
}

// checkLocked: a request on snakefruit has exactly one line and its file, byte-identical.
func (s *sim) checkLocked(w world, r *stagebot.Request) {
	if n := count(w.lines, r.Filename); n != 1 && !(s.dupes[r.Filename] && n > 1) {
		s.fail("[%s] %s is %s with %d list lines (list %v)", r.ShortID(), r.Filename, r.State, n, w.lines)
	}
	if r.PersonsLine {
		return // the line and its file are a person's, which the bot leaves as they are
	}
	b, ok := w.files[r.Filename]
	if !ok || fileSHA(b) != r.SHA256 {
		s.fail("[%s] %s is %s but its file is missing or differs (present %v)", r.ShortID(), r.Filename, r.State, ok)
	}
}

// checkSettled verifies the whole picture once the work drained without faults.
func (s *sim) checkSettled() {
	w := s.check()
	if len(w.jobs) > 0 {
		s.fail("jobs left after draining: %+v", w.jobs)
	}
	wanted := map[string]bool{snakefruit.DefaultListFile: true}
	for _, l := range s.personLines {
		wanted[l] = true
	}
	for _, r := range w.requests {
		if r.State == stagebot.StateApproved {
			s.fail("[%s] is still approved once the work drained", r.ShortID())
		}
		if r.State.OnSnakefruit() {
			s.checkLocked(w, r)
			wanted[r.Filename] = true
		}
	}
	for _, r := range w.requests {
		name := snakefruit.PendingName(r.ID)
		b, present := w.files[name]
		switch {
		case r.State != stagebot.StatePending && r.State != stagebot.StateApproved:
			if present {
				s.fail("[%s] is %s but its pending file %s is still there", r.ShortID(), r.State, name)
			}
		// A record may outlive its file (a lock renamed it, then was overtaken; a crash
		// between a rename and its record): the lock checks before it renames. A file that
		// is there and recorded is the click, unless a person changed it.
		case r.Preupload.Checked() && !s.meddled[r.ID] && present && fileSHA(b) != r.SHA256:
			s.fail("[%s] records a pre-upload but %s differs from the click", r.ShortID(), name)
		default:
			wanted[name] = present
		}
	}
	for _, l := range w.lines {
		if !wanted[l] {
			s.fail("line %s is on the list but no request holds it (list %v)", l, w.lines)
		}
	}
	for name := range w.files {
		if !wanted[name] {
			s.fail("file %s is in the folder but no request holds it", name)
		}
	}
	// The bot's record of its own lines is the list, less people's lines.
	for l, id := range w.owned {
		if r := w.requests[id]; r == nil || !r.State.OnSnakefruit() || r.Filename != l || count(w.lines, l) != 1 {
			s.fail("the bot records %s as its line for [%s], but the list or the request disagrees (list %v)", l, stagebot.ShortID(id), w.lines)
		}
	}
	for _, l := range w.lines {
		if _, ok := w.owned[l]; !ok && !slices.Contains(s.personLines, l) {
			var r *stagebot.Request
			for _, o := range w.requests {
				if o.Filename == l && o.State.OnSnakefruit() {
					r = o
				}
			}
			if r == nil || !r.PersonsLine {
				s.fail("line %s is on the list, neither a person's nor recorded as the bot's", l)
			}
		}
	}
	s.checkToldTrue(w)
	for _, r := range w.requests {
		_, err := os.Stat(r.LocalPath)
		switch {
		case r.State.Final() && err == nil:
			s.fail("[%s] is %s but its local copy is still there", r.ShortID(), r.State)
		case !r.State.Final() && err != nil && !s.vanished[r.ID]:
			s.fail("[%s] is %s but its local copy is gone: %v", r.ShortID(), r.State, err)
		}
	}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := tx.VerifyAudit(); err != nil {
			return err
		}
		for id, r := range w.requests {
			log, err := tx.AuditLog(id)
			if err != nil {
				return err
			}
			var got, want []stagebot.State
			for _, e := range log {
				if st := stagebot.State(e.Action); st.Valid() {
					got = append(got, st)
				}
			}
			for _, h := range r.History {
				want = append(want, h.To)
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("[%s] audit has %v, history %v", r.ShortID(), got, want)
			}
		}
		return nil
	})
	if err != nil {
		s.fail("audit: %v", err)
	}
}

// checkToldTrue: what the bot told people about the list came true. A request it said it
// takes off the list has no line of the bot's once the work drained, unless a later
// request of the same file holds it; one it said it leaves keeps the person's line.
func (s *sim) checkToldTrue(w world) {
	for _, a := range s.lines {
		r := w.requests[a.RequestID]
		if r == nil || r.State.OnSnakefruit() {
			continue
		}
		heldByOther := slices.ContainsFunc(slices.Collect(maps.Values(w.requests)), func(o *stagebot.Request) bool {
			return o.ID != r.ID && o.Filename == r.Filename && o.State.OnSnakefruit()
		})
		switch {
		case strings.Contains(a.Text, "off the list"):
			if count(w.lines, r.Filename) > 0 && !heldByOther && !slices.Contains(s.personLines, r.Filename) {
				s.fail("[%s] was announced as taken off the list (%q) but %s is still on it", r.ShortID(), a.Text, r.Filename)
			}
		case strings.Contains(a.Text, "line for it is a person's and stays"), strings.Contains(a.Text, "a person's line, left"):
			if count(w.lines, r.Filename) == 0 && slices.Contains(s.personLines, r.Filename) {
				s.fail("[%s] was announced as leaving a person's line (%q) but it is gone", r.ShortID(), a.Text)
			}
		}
	}
}
