package irc

import (
	"encoding/base64"
	"strings"
)

// saslChunk is the most base64 one AUTHENTICATE line may carry (IRCv3 SASL 3.1).
const saslChunk = 400

// saslLines are the AUTHENTICATE lines answering the server's "AUTHENTICATE +" for a
// mechanism: PLAIN sends authzid\0authcid\0password; EXTERNAL sends nothing, the client
// certificate is the credential. A payload that is an exact multiple of 400 bytes ends
// with "+", so the server knows it is complete.
func saslLines(mechanism, user, password string) []string {
	if strings.EqualFold(mechanism, "EXTERNAL") {
		return []string{"AUTHENTICATE +"}
	}
	payload := base64.StdEncoding.EncodeToString([]byte(user + "\x00" + user + "\x00" + password))
	var out []string
	for len(payload) >= saslChunk {
		out = append(out, "AUTHENTICATE "+payload[:saslChunk])
		payload = payload[saslChunk:]
	}
	if payload == "" {
		payload = "+"
	}
	return append(out, "AUTHENTICATE "+payload)
}
