package slack

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"stagebot/bot"
)

// credentialCode reports whether Slack's error code says a token is refused: no call made
// with it will ever work, so retrying is pointless and the operator must fix it.
func credentialCode(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive":
		return true
	}
	return false
}

// call is every Web API call the adapter makes with the bot token: Slack's 429s waited out
// (ratelimit.go), and a refused token noted, which ends Run with a *bot.CredentialError.
func (a *Adapter) call(ctx context.Context, fn func() error) error {
	err := call(ctx, fn)
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && credentialCode(se.Err) {
		a.refusal.Refuse(a.log, "Slack refused a token; stopping", &bot.CredentialError{Adapter: a.Name(), Setting: "slack.bot_token", Err: err})
	}
	return err
}
