package httpapi

import (
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
			if err := statusTmpl.Execute(&b, &pageData{Live: []reqView{viewOf(r, nil)}}); err != nil {
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
