// Package checkdigit computes the check digits of India's health
// identifiers: Luhn for ABHA and HPR numbers.
package checkdigit

// Luhn returns the Luhn check digit to append to payload, which must be
// all ASCII digits.
func Luhn(payload string) int {
	sum := 0
	double := true // the rightmost payload digit is doubled
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}
