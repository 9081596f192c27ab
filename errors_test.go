package stagebot

import (
	"slices"
	"testing"
)

// TestErrorfQuotes: a Quote argument is outside text whatever verb formats it; %q shows it
// between plain double quotes, neither its markers nor its characters escaped.
func TestErrorfQuotes(t *testing.T) {
	for _, c := range []struct {
		format string
		arg    string
		parts  []ErrorPart
	}{
		{"no request %s here", "a\"b\n", []ErrorPart{{"no request ", false}, {"a\"b\n", true}, {" here", false}}},
		{"no package %q here", "a\"b\n", []ErrorPart{{"no package \"", false}, {"a\"b\n", true}, {"\" here", false}}},
		{"%v", "x", []ErrorPart{{"x", true}}},
	} {
		e := Errorf(ENOTFOUND, c.format, Quote(c.arg))
		if !slices.Equal(e.Parts, c.parts) {
			t.Errorf("Errorf(%q, %q) parts %+v, want %+v", c.format, c.arg, e.Parts, c.parts)
		}
	}
}
