package workflow

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestExpire(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		name    string
		after   time.Duration
		approve bool
		hold    bool
		age     time.Duration
		expired bool
	}{
		{name: "pending past the deadline", after: 14 * day, age: 14*day + time.Second, expired: true},
		{name: "pending at the deadline", after: 14 * day, age: 14 * day, expired: true},
		{name: "pending before the deadline", after: 14 * day, age: 14*day - time.Minute},
		{name: "held and pending", after: day, hold: true, age: 2 * day, expired: true},
		{name: "approved", after: day, approve: true, age: 2 * day},
		{name: "never", after: 0, age: 400 * day},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
			e := newEnv(t, stagebot.Policy{Approvals: 1, ExpireAfter: c.after}, func(cfg *Config) { cfg.Now = clock.Now })
			r := e.stage(alice, e.click("com.example.old", "1.0", "all"))
			if c.approve {
				e.svc.Approve(bob, r.ShortID())
				r = e.awaitState(r.ID, stagebot.StateLocked)
			}
			if c.hold {
				if _, err := e.svc.Hold(alice, r.ShortID(), ""); err != nil {
					t.Fatal(err)
				}
			}
			clock.Add(c.age)
			n, err := e.svc.Expire(clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			got := e.request(r.ID)
			if (n == 1) != c.expired || (got.State == stagebot.StateCancelled) != c.expired {
				t.Fatalf("Expire = %d, request %s; want expired %v", n, got.State, c.expired)
			}
			if !c.expired {
				return
			}
			if got.Reason != "expired" {
				t.Fatalf("reason %q", got.Reason)
			}
			a := e.lastAbout(r.ID)
			if a.State != stagebot.StateCancelled || !strings.Contains(a.Text, r.Filename+" cancelled: expired") {
				t.Fatalf("announced as %+v", a)
			}
			if _, err := os.Stat(r.LocalPath); !os.IsNotExist(err) {
				t.Fatalf("local copy %s still there: %v", r.LocalPath, err)
			}
			if n, _ := e.svc.Expire(clock.Now().Add(day)); n != 0 {
				t.Fatalf("expired again: %d", n)
			}
		})
	}
}
