package main

import (
	"strings"
	"testing"
)

func TestPHRConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles string
		cmURL string
		err   string // a part of the error, or "" for none
	}{
		{"beside the abha and cm roles", "abha,cm,phr", "", ""},
		{"without the abha role there is no login", "cm,phr", "", "needs the abha role"},
		{"without the cm role it needs the CM's URL", "abha,phr", "", "--cm-url"},
		{"with a remote CM", "abha,phr", "https://cm.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Data: t.TempDir(), CMURL: tc.cmURL}
			err := c.finish(tc.roles)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("finish(%q) = %v, want an error containing %q", tc.roles, err, tc.err)
			}
		})
	}
}
