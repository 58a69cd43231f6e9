package procspec

import (
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// splitTests are Split's cases; TestSplitLikeSh checks the same words
// against /bin/sh.
var splitTests = []struct {
	in   string
	want []string
}{
	{"a b  c", []string{"a", "b", "c"}},
	{" \t a\tb \n c ", []string{"a", "b", "c"}},
	{`'a b' "c d"`, []string{"a b", "c d"}},
	{`'a'"b"c`, []string{"abc"}},
	{`a\ b`, []string{"a b"}},
	{`\q`, []string{"q"}},
	{`\'`, []string{"'"}},
	{`"it's"`, []string{"it's"}},
	{`'say "hi"'`, []string{`say "hi"`}},
	// In double quotes a backslash escapes only " \ $ ` and newline.
	{`"a\"b"`, []string{`a"b`}},
	{`"a\\b"`, []string{`a\b`}},
	{`"a\b"`, []string{`a\b`}},
	{`"\q"`, []string{`\q`}},
	{`"x\$y"`, []string{`x$y`}},
	{"\"a\\`b\"", []string{"a`b"}},
	{`'a\b'`, []string{`a\b`}},
	// Line continuation, outside and inside double quotes.
	{"a\\\nb", []string{"ab"}},
	{"\"a\\\nb\"", []string{"ab"}},
	{"'a\\\nb'", []string{"a\\\nb"}},
	// Empty words.
	{`''`, []string{""}},
	{`a '' b ""`, []string{"a", "", "b", ""}},
	{`a""b`, []string{"ab"}},
	// Nothing is expanded.
	{`echo $HOME ${HOME} "$(id)" ~ * ?`, []string{"echo", "$HOME", "${HOME}", "$(id)", "~", "*", "?"}},
	{"echo `id`", []string{"echo", "`id`"}},
	{`printf '%s\n' "$HOME"`, []string{"printf", `%s\n`, "$HOME"}},
	// Comments start only at the start of a word.
	{"sleep 10 # why", []string{"sleep", "10"}},
	{"a#b c", []string{"a#b", "c"}},
	{"a # comment\nb", []string{"a", "b"}},
	{`a \# b`, []string{"a", "#", "b"}},
	// Quoted operators are plain characters.
	{`nginx -g 'daemon off;'`, []string{"nginx", "-g", "daemon off;"}},
	{`sh -c "a && b | c > d"`, []string{"sh", "-c", "a && b | c > d"}},
	{`a\;b`, []string{"a;b"}},
	// UTF-8 passes through.
	{`écho "ü 'ß'"`, []string{"écho", "ü 'ß'"}},
}

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tt := range splitTests {
		got, err := Split(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		pos  int
		want string
	}{
		{`echo "abc`, 6, "unterminated double quote"},
		{`echo 'abc`, 6, "unterminated single quote"},
		{`echo "a\"`, 6, "unterminated double quote"},
		{`echo abc\`, 9, "trailing backslash"},
		{`a;b`, 2, `unquoted ";"`},
		{`a && b`, 3, `unquoted "&"`},
		{`a | b`, 3, `unquoted "|"`},
		{`a > b`, 3, `unquoted ">"`},
		{`a <b`, 3, `unquoted "<"`},
		{`(a)`, 1, `unquoted "("`},
		{`echo $(id)`, 7, `unquoted "("`}, // no command substitution either
	}
	for _, tt := range tests {
		_, err := Split(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Split(%q): error %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Error(), tt.want) {
			t.Errorf("Split(%q): %v (position %d); want %q at position %d", tt.in, se, se.Pos, tt.want, tt.pos)
		}
	}
	for _, in := range []string{"", "  \t\n", "# only a comment", "\\\n"} {
		if _, err := Split(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("Split(%q): %v, want ErrEmpty", in, err)
		}
	}
}

// TestSplitLikeSh: for every case that has nothing a shell would expand,
// /bin/sh makes the same words.
func TestSplitLikeSh(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, tt := range splitTests {
		// Expansions, and a newline that is not a line continuation (a
		// blank to Split, the end of a command to sh), are not compared.
		if strings.ContainsAny(tt.in, "$`~*?") || strings.Count(tt.in, "\n") > strings.Count(tt.in, "\\\n") {
			continue
		}
		out, err := exec.Command("sh", "-c", "set -f; set -- "+tt.in+"\n"+`for a; do printf '%s\0' "$a"; done`).Output()
		if err != nil {
			t.Errorf("sh with %q: %v", tt.in, err)
			continue
		}
		sh := strings.Split(string(out), "\x00")
		sh = sh[:len(sh)-1]
		if !reflect.DeepEqual(sh, tt.want) {
			t.Errorf("sh splits %q into %q; the table says %q", tt.in, sh, tt.want)
		}
	}
}

// quote quotes w for a POSIX shell: single quotes, and '\” for a quote.
func quote(w string) string {
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// FuzzSplit: Split never panics, and its words, each quoted again and
// joined, split back into the same words.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`a b`, `'a b' "c\"d"`, `a\ b\\`, "a\\\nb", `'' ""`, `# c`, `$HOME`, `"\q"`, `a;b`, `"open`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quote(w)
		}
		again, err := Split(strings.Join(quoted, " "))
		if err != nil || !reflect.DeepEqual(again, words) {
			t.Fatalf("Split(%q) = %q; re-quoted %q splits to %q, %v", s, words, strings.Join(quoted, " "), again, err)
		}
	})
}
