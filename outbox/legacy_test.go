package outbox

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// olderFile writes a bbolt file at path the way stagebot wrote it before events were typed:
// outbox records as announcement JSON, one cursor per channel, refs (and Slack's threads)
// in the refs bucket.
func olderFile(t *testing.T, path string, records []string, cursors map[string]uint64, refs map[string]string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"requests", "active", "packages", "jobs", "outbox", "cursors", "audit", "refs", "meta", "lines", "files"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		b := tx.Bucket([]byte("outbox"))
		for _, r := range records {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(itob(seq), []byte(r)); err != nil {
				return err
			}
		}
		for k, v := range cursors {
			if err := tx.Bucket([]byte("cursors")).Put([]byte(k), itob(v)); err != nil {
				return err
			}
		}
		for k, v := range refs {
			if err := tx.Bucket([]byte("refs")).Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOlderRecordsDeliver: announcements an older stagebot recorded as text, still in the
// outbox at the upgrade, are delivered after it with their words, in order, from where each
// channel's cursor stood.
func TestOlderRecordsDeliver(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	cases := []struct {
		record string
		want   stagebot.Event
	}{
		{`{"seq":1,"at":"2026-11-30T12:00:00Z","request_id":"` + id + `","word":"requested","text":"[1a2b3c4d] com.example.foo_1.0_all.click requested: com.example.foo 1.0 all by alice; needs 1 approval","state":"pending","asks_approval":true,"mention":["bob"]}`,
			stagebot.Event{Seq: 1, RequestID: id, Word: "requested", State: stagebot.StatePending, AsksApproval: true, Mention: []string{"bob"},
				Text: "[1a2b3c4d] com.example.foo_1.0_all.click requested: com.example.foo 1.0 all by alice; needs 1 approval"}},
		// Written before announcements said whether they ask for approval: a `requested`
		// line always did.
		{`{"seq":2,"at":"2026-11-30T12:00:00Z","request_id":"` + id + `","word":"requested","text":"[1a2b3c4d] again requested","state":"pending"}`,
			stagebot.Event{Seq: 2, RequestID: id, Word: "requested", State: stagebot.StatePending, AsksApproval: true, Text: "[1a2b3c4d] again requested"}},
		{`{"seq":3,"at":"2026-11-30T12:00:00Z","request_id":"` + id + `","word":"held","text":"[1a2b3c4d] held by bob"}`,
			stagebot.Event{Seq: 3, RequestID: id, Word: "held", Text: "[1a2b3c4d] held by bob"}},
		{`{"seq":4,"at":"2026-11-30T12:00:00Z","word":"tick","text":"tick: click-sync ran","channel_wide":true}`,
			stagebot.Event{Seq: 4, Word: "tick", ChannelWide: true, Text: "tick: click-sync ran"}},
	}
	var records []string
	for _, c := range cases {
		records = append(records, c.record)
	}
	path := filepath.Join(t.TempDir(), "stagebot.db")
	olderFile(t, path, records, map[string]uint64{"irc\x00#stage": 0, "slack\x00C1": 2}, nil)
	o := openAt(t, path)
	if dropped := keep(t, o, stage, slackC1); len(dropped) != 0 {
		t.Errorf("upgrade dropped cursors %v", dropped)
	}
	got, err := o.PendingTo(stage, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("#stage gets %d events, want the %d recorded", len(got), len(cases))
	}
	for i, c := range cases {
		t.Run(c.want.Word+fmt.Sprint(c.want.Seq), func(t *testing.T) {
			e := got[i]
			e.At = stagebot.Event{}.At
			if fmt.Sprintf("%+v", e) != fmt.Sprintf("%+v", c.want) {
				t.Errorf("delivered\n%+v\nwant\n%+v", e, c.want)
			}
			if e.AboutRequest() != c.want.RequestID {
				t.Errorf("about request %q, want %q", e.AboutRequest(), c.want.RequestID)
			}
		})
	}
	if got := seqs(t, o, slackC1); fmt.Sprint(got) != "[3 4]" {
		t.Errorf("C1 pending %v, want [3 4]: it had taken two", got)
	}
	// Taking them is recorded as for any event: the older record's request gets the ref.
	if err := o.DeliveredTo(slackC1, got[2], "C1:3.0"); err != nil {
		t.Fatal(err)
	}
	if r := o.RefRequest("slack", "C1:3.0"); r != id {
		t.Errorf("the ref of an older record's message names %q, want %s", r, id)
	}
}

// TestOlderRefsAndThreads: the refs an older stagebot recorded still find their requests
// after the upgrade, and a Slack request's thread from then is its thread now.
func TestOlderRefsAndThreads(t *testing.T) {
	const r1, r2, r3 = "11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002", "33333333-0000-4000-8000-000000000003"
	older := map[string]string{
		"slack\x00C1:100.1":             r1,
		"slack\x00thread:" + r1 + ":C1": "100.1",
		"slack\x00C2:200.9":             r2,
		"slack\x00thread:" + r2 + ":C2": "200.9",
		// r2 was staged in a person's thread in C2, under 199.0.
		"slack\x00root:" + r2 + ":C2": "199.0",
		"slack\x00under:C2:199.0":     r2,
		"irc\x00msgid-abc":            r3,
	}
	path := filepath.Join(t.TempDir(), "stagebot.db")
	olderFile(t, path, nil, nil, older)
	check := func(t *testing.T, o *Outbox) {
		t.Helper()
		refs := []struct{ adapter, ref, want string }{
			{"slack", "C1:100.1", r1},
			{"slack", "C2:200.9", r2},
			{"slack", "under:C2:199.0", r2},
			{"irc", "msgid-abc", r3},
			{"slack", "thread:" + r1 + ":C1", ""}, // moved to the threads
		}
		for _, c := range refs {
			if got := o.RefRequest(c.adapter, c.ref); got != c.want {
				t.Errorf("RefRequest(%s, %q) = %q, want %q", c.adapter, c.ref, got, c.want)
			}
		}
		threads := []struct {
			d        stagebot.Dest
			id, want string
		}{
			{slackC1, r1, "C1:100.1"},
			{slackC2, r2, "C2:200.9"},
			{slackC2, r1, ""},
			{stage, r3, ""},
		}
		for _, c := range threads {
			if got := o.Thread(c.d, c.id); got != c.want {
				t.Errorf("Thread(%s, %s) = %q, want %q", c.d, c.id, got, c.want)
			}
		}
	}
	first := openAt(t, path)
	check(t, first)
	// The first message about r1 in C1 after the upgrade is not its thread: the older is.
	if err := first.DeliveredTo(slackC1, stagebot.Event{Seq: 1, Request: about(r1)}, "C1:300.0"); err != nil {
		t.Fatal(err)
	}
	if err := first.db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, path)
	check(t, again)
	var left []string
	again.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefs).ForEach(func(k, _ []byte) error {
			left = append(left, string(k))
			return nil
		})
	})
	want := []string{"irc\x00msgid-abc", "slack\x00C1:100.1", "slack\x00C1:300.0", "slack\x00C2:200.9",
		"slack\x00root:" + r2 + ":C2", "slack\x00under:C2:199.0"}
	if !slices.Equal(left, want) {
		t.Errorf("refs left %q, want %q", left, want)
	}
}
