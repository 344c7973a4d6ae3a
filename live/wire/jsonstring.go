package wire

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped byte for byte as encoding/json does
// with HTML escaping on: quotes, backslashes and control characters are
// escaped, '<', '>' and '&' become \u003c, \u003e and \u0026 (so a packet
// can sit inside a <script> element), U+2028 and U+2029 are escaped for
// JavaScript, and invalid UTF-8 becomes U+FFFD.
//
// It takes a string or a byte slice, so callers holding either convert nothing.
func AppendString[S []byte | string](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiSafe(b) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		// At most UTFMax bytes are converted: no allocation for a []byte.
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Bit masks of the ASCII bytes written as they are (bytes 0-63 and 64-127):
// not control characters, '"', '\\', or the HTML-sensitive '<', '>', '&'.
const (
	safeLow  = 0xffffffff00000000 &^ (1<<'"' | 1<<'&' | 1<<'<' | 1<<'>')
	safeHigh = 0xffffffffffffffff &^ (1 << ('\\' - 64))
)

func asciiSafe(b byte) bool {
	m := uint64(safeLow)
	if b >= 64 {
		m = safeHigh
	}
	return m>>(b&63)&1 != 0
}
