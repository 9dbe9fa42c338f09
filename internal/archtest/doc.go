// Package archtest holds no code: its test checks that every package of
// the module imports only the convkit packages docs/architecture.md allows
// it, so the layering stays true as the code grows.
package archtest
