package workflow

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

var simDebug = os.Getenv("SIM_DEBUG") != ""

// The simulation's scheduler. A process runs several activities at once: the worker's
// jobs, pre-uploads and digests, people's commands, the start's reconciliation. The
// simulation runs each on a goroutine of its own, a task, but lets only one run at a time:
// a task runs until it reaches a yield point (before and after every transport call, and
// every wait on another activity), then hands control back, and the schedule decides what
// runs next. So interleavings are the schedule's choices, and a seed replays exactly.
//
// A task that blocks anywhere else (a mutex another task holds while parked, a channel)
// never yields: the watchdog reports it as a deadlock, which is what a job waiting on
// somebody else's stalled work looks like here.

// simWatchdog is how long a resumed task may run without yielding. Correct code yields
// within microseconds; only a task blocked on another parked task comes near it.
const simWatchdog = 5 * time.Second

type taskState int

const (
	taskNew     taskState = iota // made, not started
	taskParked                   // at a yield point; runnable once ready() says so
	taskStalled                  // its transport call gets no answer until its deadline is released
	taskDone
)

// simTask is one activity of a simulated process.
type simTask struct {
	seq   int
	name  string
	proc  int // the process it belongs to (sim.proc when made)
	state taskState
	// where it is parked, for the trace; ready, when set, says whether a wait is over
	where string
	ready func() bool
	// stallSince is when its transport call stopped getting answers.
	stallSince time.Time
	dead       bool // its process crashed: it must never act again
	wedged     bool // it never yielded: blocked for good, it cannot be resumed
	// wroteList and inListWindow follow a list edit: its temp file written, then its
	// re-read done; until its rename a person's save is lost to it (personSaves).
	wroteList, inListWindow bool
	racing                  []func([]string) []string // people's saves made in that window
	// worker marks a job of the worker; request is the request the job is about.
	worker  bool
	request string

	wake chan wakeMsg
	back chan taskEvent
}

// wakeMsg resumes a parked task: with the outcome of the transport call it is parked at
// (nil, an injected error, a deadline), or told that its process died.
type wakeMsg struct {
	die bool
	err error
}

type taskEvent struct {
	ended   bool
	crashed bool   // it ended by an injected crash
	failure string // it ended because an invariant failed on its goroutine
	panicV  any    // any other panic, re-raised on the scheduler's goroutine
	stack   []byte
}

// simAbort unwinds a task whose goroutine found a failure; the scheduler reports it.
type simAbort struct{ msg string }

// spawn makes a task of the current process; it starts when the schedule first resumes it.
func (s *sim) spawn(name string, fn func()) *simTask {
	s.taskSeq++
	t := &simTask{seq: s.taskSeq, name: fmt.Sprintf("%s#%d", name, s.taskSeq), proc: s.proc,
		wake: make(chan wakeMsg), back: make(chan taskEvent), dead: s.killing}
	s.tasks = append(s.tasks, t)
	go func() {
		if m := <-t.wake; m.die {
			t.back <- taskEvent{ended: true}
			return
		}
		t.back <- s.runTask(fn)
	}()
	return t
}

func (s *sim) runTask(fn func()) (ev taskEvent) {
	defer func() {
		if v := recover(); v != nil {
			ev.ended = true
			switch v := v.(type) {
			case simCrash:
				ev.crashed = true
			case simAbort:
				ev.failure = v.msg
			default:
				ev.panicV = v
				ev.stack = make([]byte, 64<<10)
				ev.stack = ev.stack[:runtime.Stack(ev.stack, false)]
			}
		}
	}()
	fn()
	return taskEvent{ended: true}
}

// resume runs t until it parks again or ends, and says whether it crashed its process.
func (s *sim) resume(t *simTask, m wakeMsg) (crashed bool) {
	if t.state == taskDone {
		s.fail("resumed %s, which has ended", t.name)
	}
	prev := s.current
	s.current = t
	t.state = taskParked
	t.ready = nil
	if simDebug {
		fmt.Fprintf(os.Stderr, "resume %s die=%v err=%v (at %s)\n", t.name, m.die, m.err, t.where)
	}
	t.wake <- m
	var ev taskEvent
	timer := time.NewTimer(simWatchdog)
	select {
	case ev = <-t.back:
		timer.Stop()
	case <-timer.C:
		s.current = prev
		t.wedged = true
		buf := make([]byte, 1<<20)
		s.fail("%s blocked for %s outside a yield point: it waits on something another task holds (a lock, a channel)\n\ngoroutines:\n%s",
			t.name, simWatchdog, buf[:runtime.Stack(buf, true)])
	}
	s.current = prev
	switch {
	case ev.failure != "":
		t.state = taskDone
		s.fail("%s", ev.failure)
	case ev.panicV != nil:
		t.state = taskDone
		s.fail("%s panicked: %v\n%s", t.name, ev.panicV, ev.stack)
	case ev.ended:
		t.state = taskDone
		return ev.crashed && !m.die
	}
	return false
}

// park is a yield point, on t's goroutine: t waits until the schedule resumes it. ready,
// when set, keeps it from being resumed until it says true.
func (s *sim) park(t *simTask, where string, ready func() bool) wakeMsg {
	if t.dead {
		panic(simCrash{})
	}
	t.where, t.ready = where, ready
	if simDebug {
		fmt.Fprintf(os.Stderr, "  park %s at %s\n", t.name, where)
	}
	t.back <- taskEvent{}
	m := <-t.wake
	if m.die || t.dead {
		panic(simCrash{})
	}
	return m
}

// runnable reports whether the schedule may resume t now.
func (t *simTask) runnable() bool {
	switch t.state {
	case taskNew:
		return true
	case taskParked:
		return t.ready == nil || t.ready()
	}
	return false
}

// live are the tasks of the current process that have not ended, in the order they were
// made.
func (s *sim) live() []*simTask {
	var out []*simTask
	for _, t := range s.tasks {
		if t.state != taskDone && t.proc == s.proc {
			out = append(out, t)
		}
	}
	return out
}

// killAll ends every task of the current process as a killed process would end them:
// each unwinds from where it is parked and does nothing more.
func (s *sim) killAll() {
	s.killing = true
	defer func() { s.killing = false }()
	// A task unwinding may make others (a pre-upload spawning its digest): they are born
	// dead and unwound in turn.
	for len(s.tasks) > 0 {
		t := s.tasks[0]
		s.tasks = s.tasks[1:]
		if t.state == taskDone || t.wedged {
			continue
		}
		t.dead = true
		s.resume(t, wakeMsg{die: true})
	}
}

// fail reports a broken invariant: on the test's goroutine at once, on a task's by
// unwinding it (the scheduler then reports it).
func (s *sim) fail(format string, args ...any) {
	s.t.Helper()
	msg := fmt.Sprintf("simulation seed %d failed: %s\nreplay: SIM_SEED=%d go test ./workflow -run TestSimulation -v\ntrace:\n  %s",
		s.seed, fmt.Sprintf(format, args...), s.seed, s.traceText())
	if s.current != nil {
		panic(simAbort{msg})
	}
	s.t.Fatal(msg)
}
