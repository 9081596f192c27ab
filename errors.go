package stagebot

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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

// Error is the error a service returns for anything a user can act on that is not a
// Refusal: a bad click name, an unknown ID, a download that failed. Message says what is
// wrong in plain words; Parts split it into the bot's own words and the outside text it
// quotes (arguments given as Quote), so that chat cleans and cuts only the latter.
type Error struct {
	Code    string
	Message string
	Parts   []ErrorPart
}

// ErrorPart is a piece of an Error's message.
type ErrorPart struct {
	Text    string
	Outside bool
}

// Quote marks an argument of Errorf as text from outside the bot (a URL, a server's reason
// phrase, a host name, what a person typed).
type Quote string

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error; arguments of type Quote are outside text.
func Errorf(code, format string, args ...any) *Error {
	e := &Error{Code: code, Message: fmt.Sprintf(format, args...)}
	if !slices.ContainsFunc(args, func(a any) bool { _, ok := a.(Quote); return ok }) {
		return e
	}
	// Each quoted argument is formatted apart, between markers no format produces, and the
	// message split on them.
	marked := make([]any, len(args))
	for i, a := range args {
		if q, ok := a.(Quote); ok {
			marked[i] = markedQuote(q)
		} else {
			marked[i] = a
		}
	}
	for i, piece := range strings.Split(fmt.Sprintf(format, marked...), quoteMark) {
		if piece != "" {
			e.Parts = append(e.Parts, ErrorPart{Text: piece, Outside: i%2 == 1})
		}
	}
	return e
}

// markedQuote is a Quote between quoteMarks, whatever verb formats it: %q puts plain
// double quotes around the marks rather than escaping them (and the text), so the quote
// stays outside text and what people read is the text itself.
type markedQuote string

func (m markedQuote) Format(f fmt.State, verb rune) {
	s := quoteMark + string(m) + quoteMark
	if verb == 'q' {
		s = `"` + s + `"`
	}
	_, _ = io.WriteString(f, s)
}

// quoteMark separates quoted arguments in Errorf; a quoted argument holding it can only
// shift which side of the mark text falls on, and chat cleans both sides.
const quoteMark = "\x00\x1fquote\x1f\x00"

// ErrorCode returns the code of err, EINTERNAL for errors that are neither *Error nor
// *Refusal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
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
