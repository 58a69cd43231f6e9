package procspec

import (
	"errors"
	"fmt"
	"strings"
)

// SyntaxError is a command line that Split cannot split. Pos is the
// 1-based byte position of the offending character in Input.
type SyntaxError struct {
	Input string
	Pos   int
	Msg   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at position %d of %q", e.Msg, e.Pos, e.Input)
}

// ErrEmpty is a command line with no words in it.
var ErrEmpty = errors.New("empty command: no words")

// operators are the characters a shell would read as operators when they
// are not quoted; Split refuses them (see the package doc).
const operators = ";&|<>()"

// Split splits s into words the way a POSIX shell does, with nothing
// expanded (see the package doc). Blanks (space, tab and newline) separate
// words: a newline, which would end a shell's command, is a blank here; ” and "" make an empty word. A command line without a word is
// ErrEmpty; an unterminated quote, a trailing backslash and an unquoted
// operator are a *SyntaxError.
func Split(s string) ([]string, error) {
	var (
		words  []string
		w      strings.Builder
		inWord bool // w holds a word, perhaps an empty one ("")
	)
	fail := func(i int, format string, a ...any) ([]string, error) {
		return nil, &SyntaxError{Input: s, Pos: i + 1, Msg: fmt.Sprintf(format, a...)}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 == len(s) {
				return fail(i, "trailing backslash")
			}
			i++
			if s[i] == '\n' { // line continuation: both characters go
				continue
			}
			w.WriteByte(s[i])
			inWord = true
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return fail(i, "unterminated single quote")
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			end, err := doubleQuoted(s, i, &w)
			if err != nil {
				return nil, err
			}
			i = end
			inWord = true
		case c == '#' && !inWord: // a comment runs to the end of the line
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				i = len(s)
			} else {
				i += nl
			}
		case strings.IndexByte(operators, c) >= 0:
			return fail(i, "unquoted %q (initd runs no shell: quote it, or run the command with sh -c)", string(c))
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	if len(words) == 0 {
		return nil, ErrEmpty
	}
	return words, nil
}

// doubleQuoted writes the content of the double-quoted string that opens
// at s[open] to w and returns the position of its closing quote.
func doubleQuoted(s string, open int, w *strings.Builder) (int, error) {
	for i := open + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i, nil
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
			i++
			if s[i] != '\n' {
				w.WriteByte(s[i])
			}
		default:
			w.WriteByte(c)
		}
	}
	return 0, &SyntaxError{Input: s, Pos: open + 1, Msg: "unterminated double quote"}
}
