package stagebot

// State is a request's place in the workflow (contract section 4). The string is the word
// announcements and !status use.
type State string

const (
	StatePending    State = "pending"
	StateApproved   State = "approved"
	StateLocked     State = "locked"
	StateStored     State = "stored"
	StatePromoted   State = "promoted"
	StatePublished  State = "published"
	StateRejected   State = "rejected"
	StateCancelled  State = "cancelled"
	StateSuperseded State = "superseded"
	StateFailed     State = "failed"
)

// States lists every state in workflow order, side exits last.
var States = []State{StatePending, StateApproved, StateLocked, StateStored, StatePromoted,
	StatePublished, StateRejected, StateCancelled, StateSuperseded, StateFailed}

// Final reports whether no further transition can happen. failed is not final: !retry
// queues it again.
func (s State) Final() bool {
	switch s {
	case StatePublished, StateRejected, StateCancelled, StateSuperseded:
		return true
	}
	return false
}

// OnSnakefruit reports whether the click's file and list line are (meant to be) on snakefruit.
func (s State) OnSnakefruit() bool {
	return s == StateLocked || s == StateStored || s == StatePromoted
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}
