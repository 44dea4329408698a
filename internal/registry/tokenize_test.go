package registry

import (
	"slices"
	"testing"
)

func TestTokenizeFold(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Apollo Hospital", []string{"apollo", "hospital"}},
		{"  APOLLO   hospital!! ", []string{"apollo", "hospital"}},
		{"Śrī Rāma Nursing-Home", []string{"sri", "rama", "nursing", "home"}},
		{"Crème Brûlée Café", []string{"creme", "brulee", "cafe"}},
		{"Ærø Straße Œuvre", []string{"aero", "strasse", "oeuvre"}},
		{"İstanbul Łódź Đà Nẵng", []string{"istanbul", "lodz", "da", "nang"}},
		{"Dolo-650 24x7", []string{"dolo", "650", "24x7"}},
		{"St. John's", []string{"st", "john"}},          // one-letter tokens are not indexed
		{"A B C d e", nil},                              // nor here
		{"e\u0301cole", []string{"ecole"}},              // combining accent dropped
		{"नमस्ते दुनिया", []string{"नमस्ते", "दुनिया"}}, // vowel signs stay in the word
		{"Dr.(Mrs.) Kaur", []string{"dr", "mrs", "kaur"}},
		{"x×y÷z", nil}, // × and ÷ separate
	}
	for _, tt := range tests {
		if got := tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeSortName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Dr. A. K. Sharma", "dr a k sharma"},
		{"  Śrī   Rāma ", "sri rama"},
		{"", ""},
		{"!!!", ""},
	}
	var sc tokenScanner
	for _, tt := range tests {
		if got := string(sortName(nil, &sc, tt.in)); got != tt.want {
			t.Errorf("sortName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := ""
	for range 100 {
		long += "abcdef "
	}
	if got := sortName(nil, &sc, long); len(got) != maxSortName {
		t.Errorf("sortName(long) has %d bytes, want %d", len(got), maxSortName)
	}
}

func TestTokenizeRuneCounts(t *testing.T) {
	var sc tokenScanner
	sc.reset("ab Ša æ नम")
	var got []int
	for {
		_, n, ok := sc.next()
		if !ok {
			break
		}
		got = append(got, n)
	}
	if want := []int{2, 2, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("rune counts = %v, want %v", got, want)
	}
}

func TestIndexPackID(t *testing.T) {
	seen := map[uint64]string{}
	for _, id := range []string{"IN2810014366", "IN2810014367", "I2810014366", "2810014366", "71234567890123", "0", "00", "A1", "AA1", "ZZ99999999999999"} {
		k, ok := packID(id)
		if !ok {
			t.Errorf("packID(%q) not packed", id)
			continue
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("packID(%q) = packID(%q)", id, prev)
		}
		seen[k] = id
	}
	for _, id := range []string{"", "IN", "in123", "INX123", "123456789012345", "IN12a"} {
		if _, ok := packID(id); ok {
			t.Errorf("packID(%q) packed", id)
		}
	}
}
