package abha

import (
	"slices"
	"strings"
	"time"

	"github.com/hbollon/go-edlib"
)

// Duplicate detection
//
// Two enrolments are probably the same person when their names sound alike
// and their gender and birth date agree. Names are compared after
// NormalizeName, which folds the many Latin spellings of Indian names
// (Mohammed, Mohd., Muhammad; Shaikh, Sheikh; Lakshmi, Laxmi) and
// transliterates Devanagari, so "राहुल शर्मा" compares equal to
// "Rahul Sharma".

// DuplicateThreshold is the Score from which two demographic records are
// taken to be the same person. It is set so that spelling variants with the
// same birth date and gender pass on the name alone, while different first
// names under one surname (siblings, twins sharing a mobile) do not; see
// the table in dedup_test.go.
const DuplicateThreshold = 0.82

// Demographics is what duplicate detection compares.
type Demographics struct {
	Name         string // full name, any order, Latin or Devanagari
	Gender       string // M, F, O; empty if unknown
	BirthDate    string // YYYY-MM-DD
	DistrictCode string // LGD; empty if unknown
	Mobile       string // 10 digits; empty if unknown
}

// Score returns how likely a and b describe the same person, from 0 to 1.
// Different genders score 0. The name similarity (Jaro-Winkler over the
// normalised name tokens, in any order) is weighted by the birth date:
// equal, or in the same year with day and month swapped or a day apart,
// counts; different dates almost rule a match out. The same district and
// the same mobile raise the score a little (families share mobiles).
func Score(a, b Demographics) float64 {
	if a.Gender != "" && b.Gender != "" && a.Gender != b.Gender {
		return 0
	}
	name := nameSimilarity(NormalizeName(a.Name), NormalizeName(b.Name))
	var factor float64
	if dob := dateSimilarity(a.BirthDate, b.BirthDate); dob > 0 {
		factor = 0.80 + 0.12*dob
	} else {
		factor = 0.50
	}
	if a.DistrictCode != "" && a.DistrictCode == b.DistrictCode {
		factor += 0.04
	}
	if a.Mobile != "" && a.Mobile == b.Mobile {
		factor += 0.04
	}
	return min(1, name*factor)
}

// dateSimilarity is 1 for equal dates; 0.9 for the same year with day and
// month swapped; 0.8 for dates one day apart; else 0.
func dateSimilarity(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	da, errA := time.Parse(time.DateOnly, a)
	db, errB := time.Parse(time.DateOnly, b)
	if errA != nil || errB != nil {
		return 0
	}
	if da.Year() == db.Year() && int(da.Month()) == db.Day() && da.Day() == int(db.Month()) {
		return 0.9
	}
	if d := da.Sub(db); d == 24*time.Hour || d == -24*time.Hour {
		return 0.8
	}
	return 0
}

// nameSimilarity compares two normalised names token by token: each token
// of the shorter name is paired with its most similar unused token of the
// longer, and the pair similarities (Jaro-Winkler) are multiplied, so one
// different first name is enough to keep the score low. A missing token
// (a middle name) costs 5%; a one-word name against a longer one, 20%.
func nameSimilarity(a, b string) float64 {
	ta, tb := strings.Fields(a), strings.Fields(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	if len(ta) > len(tb) {
		ta, tb = tb, ta
	}
	used := make([]bool, len(tb))
	sim := 1.0
	for _, x := range ta {
		best, at := 0.0, -1
		for j, y := range tb {
			if used[j] {
				continue
			}
			if s := tokenSimilarity(x, y); s > best {
				best, at = s, j
			}
		}
		if at < 0 {
			return 0
		}
		used[at] = true
		sim *= best
	}
	switch extra := len(tb) - len(ta); {
	case extra == 0:
	case len(ta) == 1:
		sim *= 0.8
	default:
		sim *= 1 - 0.05*float64(extra)
	}
	// Names of different lengths may be split or joined differently
	// ("Abdul Rahman" / "Abdulrahman"): compare them whole as well, in the
	// given and in sorted order.
	if len(ta) != len(tb) && len(ta) > 1 {
		whole := max(edlib.JaroWinklerSimilarity(strings.Join(ta, ""), strings.Join(tb, "")),
			edlib.JaroWinklerSimilarity(sortedJoined(ta), sortedJoined(tb)))
		sim = max(sim, 0.95*float64(whole))
	}
	return sim
}

// tokenSimilarity compares two name tokens; an initial matches any token
// starting with it, at a discount.
func tokenSimilarity(x, y string) float64 {
	if x == y {
		return 1
	}
	if len(x) == 1 || len(y) == 1 {
		if x[0] == y[0] {
			return 0.92
		}
		return 0
	}
	s := float64(edlib.JaroWinklerSimilarity(x, y))
	if s < 0.9 {
		// Past spelling variants, similar-looking names are different
		// names (Irfan/Imran, Sunita/Anita): penalise them.
		s *= s
	}
	return s
}

func sortedJoined(ts []string) string {
	s := slices.Clone(ts)
	slices.Sort(s)
	return strings.Join(s, "")
}

// PhoneticKey returns a short key of a name for blocking and indexing: the
// normalised tokens, each reduced to its first letter and following
// consonants, sorted and joined by spaces. Spelling variants of a name share
// a key ("Mohammed Irfan Shaikh" and "Mohd. Irfan Sheikh": "irfn mhmd sk").
func PhoneticKey(name string) string {
	ts := strings.Fields(NormalizeName(name))
	for i, t := range ts {
		var b strings.Builder
		b.WriteByte(t[0])
		for j := 1; j < len(t); j++ {
			if !strings.ContainsRune("aeiouy", rune(t[j])) && t[j] != t[j-1] {
				b.WriteByte(t[j])
			}
		}
		ts[i] = b.String()
	}
	slices.Sort(ts)
	return strings.Join(ts, " ")
}

// honorifics are titles dropped from names.
var honorifics = map[string]bool{
	"shri": true, "shree": true, "sri": true, "sh": true, "smt": true, "shrimati": true, "srimati": true,
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "kumari": true,
	"km": true, "kum": true, "late": true, "master": true, "baby": true, "sushri": true, "capt": true,
}

// nameAliases maps spellings and abbreviations to one form before folding.
var nameAliases = map[string]string{
	"md": "mohammad", "mohd": "mohammad", "mohmd": "mohammad", "mohammed": "mohammad",
	"muhammad": "mohammad", "muhammed": "mohammad", "mohamed": "mohammad", "mohamad": "mohammad",
	"mahommad": "mohammad", "mahamad": "mohammad", "muhamed": "mohammad", "mohammod": "mohammad",
}

// folds are the phonetic rewrites of Latin-script Indian names, in order.
var folds = strings.NewReplacer(
	"ksh", "x", "ks", "x", "chh", "ch",
	"bh", "b", "dh", "d", "th", "t", "kh", "k", "gh", "g", "ph", "f", "jh", "j", "sh", "s",
	"w", "v", "z", "j", "q", "k", "ck", "k",
	"ee", "i", "ii", "i", "oo", "u", "uu", "u", "aa", "a",
	"au", "o", "ou", "o", "ai", "e", "ei", "e", "ey", "e", "eh", "ah",
)

// NormalizeName reduces a person's name to a canonical, phonetically folded
// form for comparison: Devanagari is transliterated to Latin; letters are
// lowercased; honorifics (Shri, Smt., Dr., Kumari ...) and punctuation are
// dropped; spellings of Mohammed become one; aspirates fold (bh→b, dh→d,
// th→t, kh→k, gh→g, ph→f, sh→s), as do ksh/ks→x, w→v, z→j, long vowels
// (ee→i, oo→u, aa→a), au/ou→o, ai/ei→e, doubled letters, and a final h or
// a. "Mohd. Irfan Sheikh" becomes "mohamad irfan sek".
func NormalizeName(s string) string {
	s = strings.ToLower(transliterate(s))
	s = strings.ReplaceAll(s, "'", "") // D'Souza
	words := strings.FieldsFunc(s, func(r rune) bool { return r < 'a' || r > 'z' })
	out := words[:0]
	for _, w := range words {
		if honorifics[w] {
			continue
		}
		if a, ok := nameAliases[w]; ok {
			w = a
		}
		if w = foldToken(w); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func foldToken(w string) string {
	w = folds.Replace(w)
	// Collapse doubled letters, after the folds made some ("bbh" → "bb").
	b := make([]byte, 0, len(w))
	for i := range len(w) {
		if i == 0 || w[i] != w[i-1] {
			b = append(b, w[i])
		}
	}
	if n := len(b); n > 2 && b[n-1] == 'h' {
		b = b[:n-1] // Shah/Sha, Fatimah/Fatima
	}
	if n := len(b); n > 3 && b[n-1] == 'a' {
		b = b[:n-1] // Krishna/Krishn, Sharma/Sharm
	}
	return string(b)
}

// Devanagari transliteration: enough for names, not a scholarly scheme.
var (
	devVowels = map[rune]string{
		'अ': "a", 'आ': "aa", 'इ': "i", 'ई': "ee", 'उ': "u", 'ऊ': "oo", 'ऋ': "ri",
		'ए': "e", 'ऐ': "ai", 'ओ': "o", 'औ': "au", 'ऑ': "o", 'ऍ': "e",
	}
	devSigns = map[rune]string{ // dependent vowel signs (matras)
		'ा': "aa", 'ि': "i", 'ी': "ee", 'ु': "u", 'ू': "oo", 'ृ': "ri",
		'े': "e", 'ै': "ai", 'ो': "o", 'ौ': "au", 'ॉ': "o", 'ॅ': "e",
	}
	devConsonants = map[rune]string{
		'क': "k", 'ख': "kh", 'ग': "g", 'घ': "gh", 'ङ': "n", 'च': "ch", 'छ': "chh", 'ज': "j",
		'झ': "jh", 'ञ': "n", 'ट': "t", 'ठ': "th", 'ड': "d", 'ढ': "dh", 'ण': "n", 'त': "t",
		'थ': "th", 'द': "d", 'ध': "dh", 'न': "n", 'प': "p", 'फ': "ph", 'ब': "b", 'भ': "bh",
		'म': "m", 'य': "y", 'र': "r", 'ल': "l", 'ळ': "l", 'व': "v", 'श': "sh", 'ष': "sh",
		'स': "s", 'ह': "h",
		'\u0958': "q", '\u0959': "kh", '\u095A': "g", '\u095B': "z", '\u095C': "r", '\u095D': "rh", '\u095E': "f", '\u095F': "y",
	}
	devNukta = map[string]string{"k": "q", "j": "z", "ph": "f", "d": "r", "dh": "rh"}
)

const (
	devVirama = '्'
	devNuktaR = '़'
)

// transliterate writes Devanagari letters in Latin script. Consonants carry
// their inherent 'a' unless a vowel sign or virama follows; Hindi schwa
// deletion then drops it at the end of a word (राहुल → rahul) and between
// vowel-consonant and consonant-vowel (इरफ़ान → irfaan, कमला → kamlaa).
// Other text passes through unchanged.
func transliterate(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x0900 && r <= 0x097F }) {
		return s
	}
	var b strings.Builder
	var word []devUnit
	for _, r := range s {
		n := len(word)
		switch {
		case devConsonants[r] != "":
			word = append(word, devUnit{devConsonants[r], 'C'}, devUnit{"a", 'A'})
		case r == devNuktaR:
			if n >= 2 && word[n-1].kind == 'A' {
				if t, ok := devNukta[word[n-2].text]; ok {
					word[n-2].text = t
				}
			}
		case devSigns[r] != "" || r == devVirama:
			if n > 0 && word[n-1].kind == 'A' {
				word = word[:n-1]
			}
			if r != devVirama {
				word = append(word, devUnit{devSigns[r], 'V'})
			}
		case devVowels[r] != "":
			word = append(word, devUnit{devVowels[r], 'V'})
		case r == 'ं' || r == 'ँ':
			word = append(word, devUnit{"n", 'C'})
		case r == 'ः':
			word = append(word, devUnit{"h", 'C'})
		case r >= 0x0900 && r <= 0x097F:
			// Other signs and digits: ignored.
		default:
			writeDevWord(&b, word)
			word = word[:0]
			b.WriteRune(r)
		}
	}
	writeDevWord(&b, word)
	return b.String()
}

// devUnit is a consonant (C), a written vowel (V) or an inherent 'a' (A).
type devUnit struct {
	text string
	kind byte
}

func writeDevWord(b *strings.Builder, w []devUnit) {
	if n := len(w); n > 1 && w[n-1].kind == 'A' {
		w = w[:n-1]
	}
	vowel := func(i int) bool { return i >= 0 && i < len(w) && w[i].kind != 'C' }
	cons := func(i int) bool { return i >= 0 && i < len(w) && w[i].kind == 'C' }
	for i := len(w) - 2; i >= 2; i-- {
		if w[i].kind == 'A' && cons(i-1) && vowel(i-2) && cons(i+1) && vowel(i+2) {
			w = append(w[:i], w[i+1:]...)
		}
	}
	for _, u := range w {
		b.WriteString(u.text)
	}
}
