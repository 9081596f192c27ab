package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Matrix is the matrix section.
type Matrix struct {
	// Homeserver is the client-server API's base URL (no .well-known lookup).
	Homeserver  string   `yaml:"homeserver"`
	UserID      string   `yaml:"user_id"`
	AccessToken string   `yaml:"access_token"`
	Rooms       []string `yaml:"rooms"` // room IDs (!…) or aliases (#…:server)
}

var (
	// matrixUserID is a full Matrix user ID: "@", a localpart (printable, no colon, no
	// wildcard: an ID names one person) and ":" and a server name (a host, an IPv4 or
	// bracketed IPv6 address, an optional port).
	matrixUserID = regexp.MustCompile(`^@[!-)+-9;->@-~]+:` + matrixServer + `$`)
	// matrixRoom is a room ID (!opaque, with or without a server part) or an alias
	// (#name:server).
	matrixRoom   = regexp.MustCompile(`^(![!-~]+|#[!-9;-~]+:` + matrixServer + `)$`)
	matrixServer = `([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?`
)

func (c *Matrix) validate(ck *checker) {
	bad := ck.bad
	checkURL(bad, "matrix.homeserver", c.Homeserver, "http", "https")
	if !matrixUserID.MatchString(c.UserID) {
		bad("matrix.user_id", "%q is not a full user ID such as @stagebot:example.org", c.UserID)
	}
	if c.AccessToken == "" || strings.ContainsAny(c.AccessToken, " \t\r\n") {
		bad("matrix.access_token", "required: the bot account's access token, without spaces")
	}
	if len(c.Rooms) == 0 {
		bad("matrix.rooms", "at least one room ID or alias is needed")
	}
	seen := map[string]bool{}
	for i, r := range c.Rooms {
		p := fmt.Sprintf("matrix.rooms[%d]", i)
		switch {
		case !matrixRoom.MatchString(r):
			bad(p, "%q is neither a room ID (!…) nor an alias (#name:server)", r)
		case seen[r]:
			bad(p, "%q is listed twice", r)
		}
		seen[r] = true
	}
}
