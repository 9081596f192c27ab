package workflow

import (
	"errors"

	"stagebot"
	"stagebot/snakefruit"
)

// describe is what people read about a failed job: the cause in words, never a local path
// or a Go error chain (the log keeps those).
func describe(err error) string {
	var e *stagebot.Error
	if errors.As(err, &e) {
		return e.Message
	}
	var p permanentError
	if errors.As(err, &p) && !isSnakefruit(p.error) {
		return "internal error; the landing team can read the bot's log"
	}
	return snakefruit.Describe(err)
}

// isSnakefruit: everything but the worker's own permanent errors comes from the target.
func isSnakefruit(err error) bool {
	var p permanentError
	return !errors.As(err, &p)
}
