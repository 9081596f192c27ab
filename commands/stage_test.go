package commands

import (
	"context"
	"strings"
	"testing"

	"stagebot"
	"stagebot/chat"
	"stagebot/intake"
)

// queueService's Stage waits behind ahead downloads, as a busy intake.Fetcher would.
type queueService struct {
	readService
	ahead int
}

func (s *queueService) Stage(_ context.Context, _ stagebot.Identity, src intake.Source) (*stagebot.Request, error) {
	if src.Queued != nil {
		src.Queued(s.ahead)
	}
	return &stagebot.Request{ID: "abcd1234-0000", Name: "a", Version: "1", Arch: "all", Filename: "a_1_all.click"}, nil
}

// A !stage that waits for a download turn tells the speaker at once, before its reply.
func TestStageSaysItIsQueued(t *testing.T) {
	cases := []struct {
		name string
		say  bool
		want []string
	}{
		{"with a way to speak", true, []string{"queued behind 3 downloads"}},
		{"without", false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var said []string
			env := &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}}
			if c.say {
				env.Say = func(m chat.Message) error { said = append(said, chat.Plain(m, "!")); return nil }
			}
			reply := say(NewRegistry("!", &queueService{ahead: 3}), env, "stage https://h/a_1_all.click")
			if !strings.Contains(reply, "requested") {
				t.Fatalf("reply %q", reply)
			}
			if len(said) != len(c.want) || (len(said) > 0 && !strings.HasPrefix(said[0], c.want[0])) {
				t.Fatalf("said %q, want %q", said, c.want)
			}
		})
	}
}
