package receipt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
)

// canonicalJSON writes v in the JSON Canonicalization Scheme (RFC 8785) for the values a
// policy hash is made of: objects, arrays, strings, whole numbers, booleans and null. A
// verifier in any language recomputes the same bytes with an RFC 8785 library, or with
// Python's json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for
// such values.
func canonicalJSON(v any) ([]byte, error) {
	// Through encoding/json first, so that struct tags decide the names and every value
	// arrives as one of the few generic types below.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeCanonical(&b, generic); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeCanonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		// RFC 8785 writes numbers as ECMAScript does; for whole numbers within 2^53 that
		// is their plain decimal form, which is all a policy holds.
		s := v.String()
		if strings.ContainsAny(s, ".eE") {
			return fmt.Errorf("canonical JSON: %s is not a whole number", s)
		}
		if n, err := v.Int64(); err != nil || n > 1<<53 || n < -(1<<53) {
			return fmt.Errorf("canonical JSON: %s is out of range", s)
		}
		b.WriteString(s)
	case string:
		writeCanonicalString(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		// RFC 8785 orders keys by their UTF-16 code units, not by UTF-8 bytes.
		slices.SortFunc(keys, func(a, c string) int {
			return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(c)))
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonicalString(b, k)
			b.WriteByte(':')
			if err := writeCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("canonical JSON: unexpected %T", v)
	}
	return nil
}

// writeCanonicalString escapes only what RFC 8785 escapes: the quote, the backslash and
// the C0 controls (the short forms where JSON has them). Everything else, U+2028 and
// U+2029 included, is written as its UTF-8, unlike encoding/json.
func writeCanonicalString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
