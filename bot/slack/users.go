package slack

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// users caches display names: they are only for text, so a failed lookup falls back to
// the user ID rather than holding up a command.
type users struct {
	api *slack.Client
	mu  sync.Mutex
	m   map[string]cachedName
}

type cachedName struct {
	name string
	at   time.Time
}

const nameTTL = time.Hour

func newUsers(api *slack.Client) *users { return &users{api: api, m: map[string]cachedName{}} }

func (u *users) name(ctx context.Context, id string) string {
	u.mu.Lock()
	c, ok := u.m[id]
	u.mu.Unlock()
	if ok && time.Since(c.at) < nameTTL {
		return c.name
	}
	info, err := u.api.GetUserInfoContext(ctx, id)
	if err != nil {
		if ok {
			return c.name
		}
		return id
	}
	name := info.Profile.DisplayName
	if name == "" {
		name = info.RealName
	}
	if name == "" {
		name = info.Name
	}
	if name == "" {
		name = id
	}
	u.mu.Lock()
	u.m[id] = cachedName{name: name, at: time.Now()}
	u.mu.Unlock()
	return name
}
