package slack

import "context"

// Every write to Slack runs in a lane of a.writes, each lane on a goroutine of its own, so
// that a call Slack is slow to answer (or a 429's Retry-After waited out) holds up its own
// lane and nothing else; no lock is held across a call. A lane is named by a channel ID, or
// by a kind and IDs joined with colons (Slack's IDs have none):
//
//   - a channel (its ID, a DM's included): every chat.postMessage and chat.update there,
//     announcements and answers alike, one at a time in the order asked for. A thread reply
//     follows its request message, and each edit of a request message is made from a fresh
//     reading after the edits before it.
//   - ephemeral:CHANNEL:USER, the ephemeral answers to one person in one channel;
//   - home:USER, one person's App Home;
//   - response:USER, one person's slash-command responses.
//
// Send waits for its announcement's lane, since the outbox must know whether the channel
// took it. Everything done for a person (answers, refusals, confirmations, the App Home) is
// queued with later and not waited for: their next command, in whatever channel, never
// waits on Slack taking the last answer.

func channelLane(ch string) string         { return ch }
func ephemeralLane(ch, user string) string { return "ephemeral:" + ch + ":" + user }
func homeLane(user string) string          { return "home:" + user }
func responseLane(user string) string      { return "response:" + user }

// later runs fn in lane behind the writes queued there before, without waiting for it. A
// failure is logged: whoever asked has moved on.
func (a *Adapter) later(ctx context.Context, lane, what string, fn func() error) {
	a.writes.Do(lane, func() {
		if ctx.Err() != nil {
			return
		}
		if err := fn(); err != nil && ctx.Err() == nil {
			a.log.Warn(what+" failed", "lane", lane, "err", err)
		}
	})
}
