package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// Funcs returns the functions available in templates, given the data's
// environment (for env). Arguments are ordered so that the value can be
// piped in last: {{ env "HOSTS" | split "," | join " " }}.
//
//	env NAME                  the variable's value, "" when unset (no error)
//	default DEFAULT VALUE     VALUE, or DEFAULT when VALUE is ""
//	required MESSAGE VALUE    VALUE, or fail rendering with MESSAGE when ""
//	split SEP S               S split at SEP into a list ("" gives an empty list)
//	join SEP LIST             the list's elements joined with SEP
//	upper S, lower S, trim S  upper/lower case, surrounding white space removed
//	replace OLD NEW S         every OLD in S replaced with NEW
//	contains SUB S            whether S contains SUB
//	hasPrefix P S, hasSuffix P S
//	file PATH                 the file's content, as is; fails unless PATH is a
//	                          readable regular file of at most [MaxFileSize] bytes
//	json V                    V as JSON: a string, a list or a map
//	quote S                   S as a double-quoted JSON string (valid in JSON, YAML, TOML)
//	squote S                  S single-quoted for a POSIX shell: it's -> 'it'\''s'
//
// Besides these, text/template's built-ins (printf, index, len, eq, and,
// or, not, ...) are there as always.
func Funcs(env map[string]string) template.FuncMap {
	return template.FuncMap{
		"env":     func(name string) string { return env[name] },
		"default": defaultValue,
		"required": func(msg, v string) (string, error) {
			if v == "" {
				return "", errors.New(msg)
			}
			return v, nil
		},
		"split": func(sep, s string) []string {
			if s == "" {
				return []string{}
			}
			return strings.Split(s, sep)
		},
		"join":      func(sep string, list []string) string { return strings.Join(list, sep) },
		"upper":     strings.ToUpper,
		"lower":     strings.ToLower,
		"trim":      strings.TrimSpace,
		"replace":   func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"contains":  func(sub, s string) bool { return strings.Contains(s, sub) },
		"hasPrefix": func(p, s string) bool { return strings.HasPrefix(s, p) },
		"hasSuffix": func(p, s string) bool { return strings.HasSuffix(s, p) },
		"file":      readFile,
		"json":      toJSON,
		"quote":     func(s string) (string, error) { return toJSON(s) },
		"squote":    func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" },
	}
}

// defaultValue returns v, or def when v is "".
func defaultValue(def, v string) string {
	if v == "" {
		return def
	}
	return v
}

// readFile is the file function. Its error names the path, never content.
func readFile(path string) (string, error) {
	b, err := readRegular(path)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// toJSON encodes v without HTML escaping and without a trailing newline.
func toJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("json: %T: %w", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
