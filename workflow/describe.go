package workflow

import (
	"errors"

	"stagebot"
)

// describe is what people read about a failed job: the cause in words, never a local path
// or a Go error chain (the log keeps those).
func describe(err error) string {
	var e *stagebot.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
