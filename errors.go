package stagebot

import (
	"errors"
	"fmt"
)

// Error codes: stable strings for machines (logs, metrics, tests); the Message is for people.
const (
	ECONFLICT  = "conflict"  // the request is not in a state that allows this
	EFORBIDDEN = "forbidden" // the actor lacks the role
	EINTERNAL  = "internal"  // a bug or an outside failure the user cannot fix
	EINVALID   = "invalid"   // bad input: arguments, click, URL, ID format
	ENOTFOUND  = "not_found" // no such request or package
	ETOOLARGE  = "too_large" // a download over downloads.max_bytes
)

// Error is the error every service returns for anything a user can act on. Message is shown
// in chat as it is, so it says what is wrong in plain words.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns what a chat user should read for err. Internal errors are not shown
// verbatim: they may carry paths or hosts that mean nothing in the channel.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "internal error; the landing team can read the bot's log"
}
