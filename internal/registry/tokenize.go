package registry

import (
	"unicode"
	"unicode/utf8"
)

// Text is indexed and searched as tokens: runs of letters and digits,
// lowercased, with Latin diacritics folded to ASCII ("Śrī Rāma" gives "sri",
// "rama"). Everything else separates tokens, except combining accents,
// which are dropped, and the combining marks of other scripts (Devanagari
// vowel signs and the like), which stay inside their token. Tokens of one
// character are not indexed.

// latinFold maps U+00C0–U+024F and U+1E00–U+1EFF to the ASCII letter each
// folds to: ' ' when the rune has none (it is then kept as it is, or
// separates if it is no letter), '*' when it folds to two letters (see
// foldWide). Generated from Unicode 14 NFKD decompositions.
const latinFold00C0 = "" +
	"aaaaaa*ceeeeiiiidnooooo ouuuuy**aaaaaa*ceeeeiiiidnooooo ouuuuy*y" + // U+00C0
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkklllllll" + // U+0100
	"lllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs" + // U+0140
	"b             ee  f  * i  l     oo**           uu    zz        w" + // U+0180
	"    *********aaiioouuuuuuuuuueaaaa  ggggkkoooo  j***gg*wnnaa    " + // U+01C0
	"aaaaeeeeiiiioooorrrruuuusstt  hh  **  aaeeooooooooyy    **accl s" + // U+0200
	"z   u eejj  rryy" // U+0240

const latinFold1E00 = "" +
	"aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm" + // U+1E00
	"mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv" + // U+1E40
	"wwwwwwwwwwxxxxyyzzzzzzhtwyas  * aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee" + // U+1E80
	"eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy      " // U+1EC0

// foldWide gives the two-letter folds marked '*' in the tables.
func foldWide(r rune) string {
	switch r {
	case 0xC6, 0xE6:
		return "ae"
	case 0xDE, 0xFE:
		return "th"
	case 0xDF, 0x1E9E:
		return "ss"
	case 0x132, 0x133:
		return "ij"
	case 0x152, 0x153:
		return "oe"
	case 0x195, 0x1F6:
		return "hv"
	case 0x1A2, 0x1A3:
		return "oi"
	case 0x1C4, 0x1C5, 0x1C6, 0x1F1, 0x1F2, 0x1F3:
		return "dz"
	case 0x1C7, 0x1C8, 0x1C9:
		return "lj"
	case 0x1CA, 0x1CB, 0x1CC:
		return "nj"
	case 0x222, 0x223:
		return "ou"
	case 0x238:
		return "db"
	case 0x239:
		return "qp"
	}
	return ""
}

// foldRune appends r's folded form to b and reports whether r belongs to a
// token: false means r separates tokens.
func foldRune(b []byte, r rune) ([]byte, bool) {
	var f byte
	switch {
	case r >= 0xC0 && r < 0x250:
		f = latinFold00C0[r-0xC0]
	case r >= 0x1E00 && r < 0x1F00:
		f = latinFold1E00[r-0x1E00]
	case r >= 0x300 && r < 0x370: // combining diacritical marks: dropped
		return b, true
	}
	switch f {
	case 0, ' ':
	case '*':
		return append(b, foldWide(r)...), true
	default:
		return append(b, f), true
	}
	switch {
	case unicode.IsLetter(r), unicode.IsDigit(r):
		return utf8.AppendRune(b, unicode.ToLower(r)), true
	case unicode.In(r, unicode.Mn, unicode.Mc):
		return utf8.AppendRune(b, r), true
	}
	return b, false
}

// tokenScanner yields the folded tokens of a string, one at a time, into a
// buffer it reuses: a token is valid until the next call.
type tokenScanner struct {
	s   string
	i   int
	buf []byte
}

func (sc *tokenScanner) reset(s string) { sc.s, sc.i = s, 0 }

// next returns the next token and its length in runes of the folded form.
func (sc *tokenScanner) next() (tok []byte, runes int, ok bool) {
	b := sc.buf[:0]
	s := sc.s
	i := sc.i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				b = append(b, c)
				runes++
			case 'A' <= c && c <= 'Z':
				b = append(b, c+'a'-'A')
				runes++
			default:
				if len(b) > 0 {
					sc.i, sc.buf = i+1, b
					return b, runes, true
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n := len(b)
		var in bool
		if b, in = foldRune(b, r); !in {
			if len(b) > 0 {
				sc.i, sc.buf = i, b
				return b, runes, true
			}
			continue
		}
		if len(b) > n {
			runes += utf8.RuneCount(b[n:])
		}
	}
	sc.i, sc.buf = i, b
	return b, runes, len(b) > 0
}

// tokens returns the tokens of s that are indexed: folded, at least two
// runes long, in order, repeats kept.
func tokens(s string) []string {
	var sc tokenScanner
	sc.reset(s)
	var out []string
	for {
		t, n, ok := sc.next()
		if !ok {
			return out
		}
		if n >= 2 {
			out = append(out, string(t))
		}
	}
}

// maxSortName bounds the sort key kept for a name.
const maxSortName = 255

// sortName appends the key a name sorts by: its folded tokens, single
// characters included, joined by one space, at most maxSortName bytes.
func sortName(dst []byte, sc *tokenScanner, name string) []byte {
	start := len(dst)
	sc.reset(name)
	for {
		t, _, ok := sc.next()
		if !ok {
			break
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
		if len(dst)-start >= maxSortName {
			dst = dst[:start+maxSortName]
			break
		}
	}
	return dst
}
