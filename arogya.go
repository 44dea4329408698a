// Package arogya holds the vocabulary every part of Arogya shares: the error
// type with its codes, and the actor on whose behalf a request runs.
//
// Arogya is an implementation of India's Ayushman Bharat Digital Mission
// building blocks. Roles (abha, registry, cm, hip, hiu, phr) live under
// internal/ and talk to each other only through the ABDM protocol over HTTP;
// storage adapters live in internal/sqlite and internal/postgres; the binary
// in cmd/arogya wires them together. This package imports the standard
// library only.
package arogya

// Version and Commit are set at build time with -ldflags.
var (
	Version = "0.1.0-dev"
	Commit  = ""
)
