// Package gotemplate is Go's text/template (Go 1.26), copied with one change:
// a template cannot call methods on its data ({{ .Field.Method }}); fields,
// map keys and functions work as in text/template, and ranging over a map
// visits keys in sorted order for basic key types.
//
// # Why a copy
//
// text/template looks methods up by name at run time (reflect's
// MethodByName). When a binary contains such a call, the Go linker keeps
// every exported method of every type that may reach an interface, because
// any of them could be named. In initd, which also links crypto/tls and
// crypto/x509 for https:// wait targets, that kept about 1.5 MB of methods
// nobody calls and pushed the binary past its 6 MiB budget. initd's
// templates only read .Env (a map) and call functions, so they never need
// methods on data.
//
// The code is Go's, under Go's BSD licence (LICENSE beside this file);
// only exec.go (method lookup, map key order) and the package name differ.
package gotemplate
