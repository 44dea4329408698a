package main

import "testing"

func TestPrivateURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://10.0.0.5", true},
		{"http://192.168.1.20:9000/", true},
		{"https://hip.kem-hospital.in", false},
		{"https://203.0.113.7", false},
		{"://bad", false},
	} {
		if got := privateURL(tc.url); got != tc.want {
			t.Errorf("privateURL(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}
