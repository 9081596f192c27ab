package irc

// DefaultWhoisTimeout is the WHOIS wait of a bot configured from YAML (which has no
// setting for it), for the tests that run the whole bot.
const DefaultWhoisTimeout = whoisTimeout
