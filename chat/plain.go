package chat

// Plain is a message as the console prints it: one line of plain text, at most MaxMessage
// bytes, a mention as the member's name.
func Plain(m Message, prefix string) string { return line(m, prefix, "") }

// PlainReply is Plain addressed to a person ("alice: ..."), as the console answers.
func PlainReply(m Message, prefix, addressee string) string { return line(m, prefix, addressee) }
