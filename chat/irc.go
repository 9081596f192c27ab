package chat

import "strings"

// ircLine is the longest line a server relays, CRLF included (RFC 1459); message tags
// have a budget of their own.
const ircLine = 512

// minIRCBudget keeps a split making progress: room for a continuation mark, a character
// of the widest kind and an ellipsis. Real budgets are hundreds of bytes; one below this
// means a hostmask and target no server allows.
const minIRCBudget = 16

// IRCBudget is how many bytes of text a `COMMAND target :text` line may carry so that the
// line as the server relays it, ":hostmask COMMAND target :text\r\n", is at most 512 bytes.
// hostmask is nick!user@host as others see it; a caller that does not know its own yet
// should pass the longest it could be.
func IRCBudget(hostmask, command, target string) int {
	return ircLine - len(":"+hostmask+" ") - len(command+" "+target+" :") - len("\r\n")
}

// IRC is a message as IRC texts of at most budget bytes each (see IRCBudget), to be sent
// as PRIVMSG or NOTICE lines in order. An announcement or a notice is exactly one line,
// cut with an ellipsis when it does not fit; a reply is at most MaxLines lines, split
// between characters and at a space when one is near, each line after the first starting
// with Continuation. No line carries a control or formatting character, and no line of
// a reply or notice starts like an announcement (such a line gets Marker in front). A
// Mention is written as its text, which is what highlights on IRC: the nick. An empty
// message is no line.
func IRC(m Message, prefix string, budget int) []string {
	return IRCReply(m, prefix, "", budget)
}

// IRCReply is IRC with the first line addressed to a person ("nick: ..."), as a reply in
// a channel is; the address counts in the budget and the message's size.
func IRCReply(m Message, prefix, addressee string, budget int) []string {
	budget = max(budget, minIRCBudget)
	s := line(m, prefix, addressee)
	switch {
	case s == "":
		return nil // an empty PRIVMSG is an error (412), and would say nothing
	case m.Kind != Reply:
		return []string{cut(s, budget)}
	}
	return split(s, budget)
}

// split cuts s into at most MaxLines lines of at most budget bytes, continuations marked.
// s neither starts nor ends with a space, and neither does any line's text.
func split(s string, budget int) []string {
	var lines []string
	for {
		lead := ""
		if len(lines) > 0 {
			lead = Continuation
		}
		room := budget - len(lead)
		switch {
		case len(s) <= room:
			return append(lines, lead+s)
		case len(lines) == MaxLines-1:
			return append(lines, lead+cut(s, room))
		}
		head := clip(s, room)
		if sp := strings.LastIndexByte(head, ' '); sp >= len(head)/2 {
			head = head[:sp]
		}
		lines = append(lines, lead+strings.TrimRight(head, " "))
		if s = strings.TrimLeft(s[len(head):], " "); s == "" {
			return lines
		}
	}
}
