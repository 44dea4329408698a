package checkdigit

import "testing"

func TestLuhn(t *testing.T) {
	for _, tt := range []struct {
		payload string
		want    int
	}{
		{"7992739871", 3},      // the textbook example: 79927398713
		{"411111111111111", 1}, // the test card 4111 1111 1111 1111
		{"0", 0},
		{"", 0},
		{"9", 1},
	} {
		if got := Luhn(tt.payload); got != tt.want {
			t.Errorf("Luhn(%q) = %d, want %d", tt.payload, got, tt.want)
		}
	}
}
