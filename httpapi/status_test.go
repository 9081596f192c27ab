package httpapi

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"stagebot"
)

func TestStatusPageShowsHold(t *testing.T) {
	at := time.Date(2026, 11, 29, 18, 53, 0, 0, time.UTC)
	hold := &stagebot.Hold{By: stagebot.Identity{Network: "console", ID: "sil2100", Name: "sil2100"}, Key: "member:sil2100", At: at, Reason: "<b>freeze</b>"}
	cases := []struct {
		name  string
		state stagebot.State
		hold  *stagebot.Hold
		want  bool
	}{
		{name: "held", state: stagebot.StatePending, hold: hold, want: true},
		{name: "not held", state: stagebot.StatePending},
		{name: "ended while held", state: stagebot.StateCancelled, hold: hold},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click", State: c.state, Created: at, Hold: c.hold}
			var b strings.Builder
			if err := statusTmpl.Execute(&b, &pageData{Live: []reqView{New(Config{}).viewOf(stagebot.Status{Request: r}, at)}}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			shown := strings.Contains(page, `<dd class="held">held by sil2100: &lt;b&gt;freeze&lt;/b&gt; since 2026-11-29 18:53 UTC</dd>`)
			if shown != c.want {
				t.Fatalf("hold shown: %v, want %v:\n%s", shown, c.want, page)
			}
		})
	}
}

// "nobody yet" is said of a request still waiting for approval, never of one that ended
// without any.
func TestStatusPageApprovedBy(t *testing.T) {
	at := time.Date(2026, 11, 29, 18, 53, 0, 0, time.UTC)
	bob := stagebot.Approval{By: stagebot.Identity{Network: "console", ID: "bob", Name: "bob"}, Key: "member:bob", At: at, SHA256: "s"}
	cases := []struct {
		name      string
		state     stagebot.State
		approvals []stagebot.Approval
		want      string // the approvers cell, "" for none
	}{
		{"pending", stagebot.StatePending, nil, `<dd class="approvers">nobody yet</dd>`},
		{"cancelled while pending", stagebot.StateCancelled, nil, ""},
		{"rejected", stagebot.StateRejected, nil, ""},
		{"approved then cancelled", stagebot.StateCancelled, []stagebot.Approval{bob}, `<dd class="approvers">bob</dd>`},
		{"locked", stagebot.StateLocked, []stagebot.Approval{bob}, `<dd class="approvers">bob</dd>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click", State: c.state, Created: at,
				SHA256: "s", Approvals: c.approvals}
			var b strings.Builder
			if err := statusTmpl.Execute(&b, &pageData{Finished: []reqView{New(Config{}).viewOf(stagebot.Status{Request: r}, at)}}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			got := regexp.MustCompile(`<dd class="approvers">[^<]*</dd>`).FindString(page)
			if got != c.want {
				t.Fatalf("approvers %q, want %q", got, c.want)
			}
		})
	}
}
