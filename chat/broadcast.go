package chat

import "strings"

// broadcasts are the words that notify everyone in a room when written after "@": Slack's
// @channel, @here and @everyone (parsed from plain text where a message or block is not
// verbatim) and Matrix's @room (a push rule on the body).
var broadcasts = []string{"channel", "here", "everyone", "room"}

// fullwidthAt stands in for the "@" of a broadcast word on every network: it reads the
// same and notifies nobody. The bot never means to notify a whole room, so its own words
// are no exception.
const fullwidthAt = '＠'

// broadcastAt reports whether rest, the text after an "@", starts a broadcast word, or
// could start one that the next part of the message completes.
func broadcastAt(rest string) bool {
	rest = strings.ToLower(rest[:min(len(rest), len("everyone")+1)])
	for _, w := range broadcasts {
		if strings.HasPrefix(rest, w) || strings.HasPrefix(w, rest) {
			return true
		}
	}
	return false
}

// defuseBroadcasts replaces the "@" of every broadcast word in s.
func defuseBroadcasts(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == '@' && broadcastAt(s[i+1:]) {
			b.WriteRune(fullwidthAt)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
