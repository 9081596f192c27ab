package outbox

import (
	"errors"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// op is one step of a scenario on an outbox.
type op func(t *testing.T, o *Outbox)

func appendOp(n int) op { return func(t *testing.T, o *Outbox) { t.Helper(); appendN(t, o, n) } }

func keepOp(dests ...stagebot.Dest) op {
	return func(t *testing.T, o *Outbox) { t.Helper(); keep(t, o, dests...) }
}

func deliverOp(d stagebot.Dest, seq uint64) op {
	return func(t *testing.T, o *Outbox) { t.Helper(); delivered(t, o, d, seq) }
}

// rolledBackOp appends n events in a transaction that then fails.
func rolledBackOp(n int) op {
	return func(t *testing.T, o *Outbox) {
		t.Helper()
		errFail := errors.New("the change failed")
		err := o.db.Update(func(tx *bolt.Tx) error {
			for range n {
				if _, err := o.Append(tx, stagebot.Event{Kind: stagebot.EventTick}); err != nil {
					return err
				}
			}
			return errFail
		})
		if !errors.Is(err, errFail) {
			t.Fatalf("rolled-back append: %v", err)
		}
	}
}

// TestCursorsPerChannel: each channel has a cursor of its own: a new one starts at the end
// of the outbox, one that takes nothing holds back only itself, a cursor never moves back,
// and the backlog of each is what it has yet to take.
func TestCursorsPerChannel(t *testing.T) {
	cases := []struct {
		name        string
		ops         []op
		wantPending map[stagebot.Dest][]uint64
		wantStored  []uint64
	}{
		{"a new channel starts at the end",
			[]op{appendOp(2), keepOp(stage), appendOp(3)},
			map[stagebot.Dest][]uint64{stage: {3, 4, 5}, quiet: nil}, []uint64{3, 4, 5}},
		{"a channel that takes nothing holds back only itself",
			[]op{keepOp(stage, quiet, slackC1), appendOp(4), deliverOp(stage, 4), deliverOp(slackC1, 4)},
			map[stagebot.Dest][]uint64{stage: nil, slackC1: nil, quiet: {1, 2, 3, 4}}, []uint64{1, 2, 3, 4}},
		{"a lagging channel catching up partway frees what everyone took",
			[]op{keepOp(stage, quiet), appendOp(4), deliverOp(stage, 4), deliverOp(quiet, 2)},
			map[stagebot.Dest][]uint64{stage: nil, quiet: {3, 4}}, []uint64{3, 4}},
		{"a late report does not move a cursor back",
			[]op{keepOp(stage, quiet), appendOp(4), deliverOp(quiet, 3), deliverOp(quiet, 1)},
			map[stagebot.Dest][]uint64{stage: {1, 2, 3, 4}, quiet: {4}}, []uint64{1, 2, 3, 4}},
		{"keeping the same channels again (a restart) keeps their cursors",
			[]op{keepOp(stage, quiet), appendOp(3), deliverOp(quiet, 2), keepOp(stage, quiet)},
			map[stagebot.Dest][]uint64{stage: {1, 2, 3}, quiet: {3}}, []uint64{1, 2, 3}},
		{"a rolled-back append leaves no gap",
			[]op{keepOp(stage), appendOp(1), rolledBackOp(2), appendOp(1), deliverOp(stage, 1), appendOp(1)},
			map[stagebot.Dest][]uint64{stage: {2, 3}}, []uint64{2, 3}},
		{"the console's one destination", []op{appendOp(1), keepOp(console), appendOp(2)},
			map[stagebot.Dest][]uint64{console: {2, 3}, {Adapter: "console", Channel: "x"}: nil}, []uint64{2, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			for _, step := range c.ops {
				step(t, o)
			}
			var dests []stagebot.Dest
			for d, want := range c.wantPending {
				dests = append(dests, d)
				if got := seqs(t, o, d); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s pending %v, want %v", d, got, want)
				}
			}
			for i, n := range o.Backlogs(dests) {
				if want := len(c.wantPending[dests[i]]); n != want {
					t.Errorf("%s backlog %d, want %d", dests[i], n, want)
				}
			}
			if got := stored(t, o); fmt.Sprint(got) != fmt.Sprint(c.wantStored) {
				t.Errorf("outbox keeps %v, want %v", got, c.wantStored)
			}
		})
	}
}

// TestKeepCursors: at start the cursors become exactly the configured channels: one no
// longer configured is dropped with its backlog reported, so it cannot pin the outbox; a
// new one starts at the end; an adapter's one cursor from when cursors were per adapter
// hands its place to the adapter's channels.
func TestKeepCursors(t *testing.T) {
	irc := stagebot.Dest{Adapter: "irc"}
	// Registered on an empty outbox, then five events: console took all five, #stage
	// three, #gone none.
	usual := []op{keepOp(stage, gone, console), appendOp(5), deliverOp(console, 5), deliverOp(stage, 3)}
	cases := []struct {
		name        string
		before      []op
		events      uint64 // appended by before
		keep        []stagebot.Dest
		wantDropped map[stagebot.Dest]int
		wantCursors map[stagebot.Dest]uint64
		wantStored  []uint64
	}{
		{"#gone dropped: #stage's cursor is now the lowest", usual, 5, []stagebot.Dest{console, stage},
			map[stagebot.Dest]int{gone: 5}, map[stagebot.Dest]uint64{console: 5, stage: 3}, []uint64{4, 5}},
		{"a new channel starts at the end", usual, 5, []stagebot.Dest{console, stage, quiet},
			map[stagebot.Dest]int{gone: 5}, map[stagebot.Dest]uint64{console: 5, stage: 3, quiet: 5}, []uint64{4, 5}},
		{"only the console left", usual, 5, []stagebot.Dest{console},
			map[stagebot.Dest]int{gone: 5, stage: 2}, map[stagebot.Dest]uint64{console: 5}, nil},
		{"all configured", usual, 5, []stagebot.Dest{console, stage, gone},
			map[stagebot.Dest]int{}, map[stagebot.Dest]uint64{console: 5, stage: 3, gone: 0}, []uint64{1, 2, 3, 4, 5}},
		{"none configured: nothing will deliver what is kept", usual, 5, nil,
			map[stagebot.Dest]int{console: 0, gone: 5, stage: 2}, map[stagebot.Dest]uint64{}, nil},
		{"an adapter's old cursor: its channels start where it stood",
			[]op{keepOp(irc), appendOp(4), deliverOp(irc, 2)}, 4, []stagebot.Dest{stage, quiet},
			map[stagebot.Dest]int{irc: 2}, map[stagebot.Dest]uint64{stage: 2, quiet: 2}, []uint64{3, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			for _, step := range c.before {
				step(t, o)
			}
			dropped := keep(t, o, c.keep...)
			if fmt.Sprint(dropped) != fmt.Sprint(c.wantDropped) {
				t.Errorf("dropped %v, want %v", dropped, c.wantDropped)
			}
			if got := cursors(t, o); fmt.Sprint(got) != fmt.Sprint(c.wantCursors) {
				t.Errorf("cursors %v, want %v", got, c.wantCursors)
			}
			if got := stored(t, o); fmt.Sprint(got) != fmt.Sprint(c.wantStored) {
				t.Errorf("outbox keeps %v, want %v", got, c.wantStored)
			}
			// What a channel kept has yet to take is all there, in order.
			for d, cur := range c.wantCursors {
				var want []uint64
				for s := cur + 1; s <= c.events; s++ {
					want = append(want, s)
				}
				if got := seqs(t, o, d); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s pending %v, want %v", d, got, want)
				}
			}
		})
	}
}

// TestPruneKeepsWhatAnyCursorNeeds: an event goes once every cursor has passed it, and not
// before: whatever the cursors, each channel still finds every event it has yet to take.
func TestPruneKeepsWhatAnyCursorNeeds(t *testing.T) {
	cases := []struct {
		name       string
		took       map[stagebot.Dest]uint64 // what each of stage, quiet and console took of 6
		wantStored []uint64
	}{
		{"nobody took anything", map[stagebot.Dest]uint64{}, []uint64{1, 2, 3, 4, 5, 6}},
		{"the laggard took two", map[stagebot.Dest]uint64{stage: 6, quiet: 2, console: 4}, []uint64{3, 4, 5, 6}},
		{"one took nothing", map[stagebot.Dest]uint64{stage: 6, console: 6}, []uint64{1, 2, 3, 4, 5, 6}},
		{"all took all", map[stagebot.Dest]uint64{stage: 6, quiet: 6, console: 6}, nil},
		{"all took the same part", map[stagebot.Dest]uint64{stage: 5, quiet: 5, console: 5}, []uint64{6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			keep(t, o, stage, quiet, console)
			appendN(t, o, 6)
			for _, d := range []stagebot.Dest{stage, quiet, console} {
				if seq, ok := c.took[d]; ok {
					delivered(t, o, d, seq)
				}
			}
			if got := stored(t, o); fmt.Sprint(got) != fmt.Sprint(c.wantStored) {
				t.Errorf("outbox keeps %v, want %v", got, c.wantStored)
			}
			for _, d := range []stagebot.Dest{stage, quiet, console} {
				var want []uint64
				for s := c.took[d] + 1; s <= 6; s++ {
					want = append(want, s)
				}
				if got := seqs(t, o, d); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s pending %v, want %v", d, got, want)
				}
			}
		})
	}
}
