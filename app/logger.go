package app

import (
	"io"
	"log/slog"
	"strings"
)

// NewLogger is the log that log_level and log_format ask for, written to w: "json" is one
// JSON object a line, anything else text. Run puts the redaction in front of whatever
// handler it is given, so neither format can show a secret.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil || level == "" {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
