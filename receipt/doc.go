// Package receipt makes and checks signed receipts: proof, outside the bot and long after,
// of who approved which bytes of a click under which policy.
//
// A receipt is a DSSE envelope signed with ed25519 over DSSE v1's pre-authentication
// encoding. Its payload is an in-toto Statement v1 whose one subject is the click's
// filename with its sha256 and sha512, and whose predicate (type PredicateType) records
// the request, its requester, every approval and QA sign-off, the policy in force with a
// hash that pins the team, the inspection, where the click came from and went, the time of
// the lock and the audit chain's head after it.
//
// A Signer turns an Input into envelope bytes; the same Input and key always give the same
// bytes, so a receipt made again after a restart is the receipt already handed out. Verify
// needs only the envelope, the click and public keys: no database, no bot.
package receipt

const (
	// PredicateType names this package's predicate in every Statement it signs. It is an
	// identifier, not a page to fetch; a new, incompatible predicate gets a new version.
	PredicateType = "https://stagebot.dev/receipt/v1"

	// StatementType is in-toto's Statement v1, the only statement type signed or accepted.
	StatementType = "https://in-toto.io/Statement/v1"

	// PayloadType is the DSSE payload type of an in-toto Statement.
	PayloadType = "application/vnd.in-toto+json"
)
