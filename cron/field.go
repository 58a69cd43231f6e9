package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// field describes one position of a schedule: its name for messages, its
// bounds, whether "?" is accepted and how names (jan, mon) map to numbers.
type field struct {
	name     string
	min, max int
	question bool
	lookup   func(string) (int, bool)
}

// The six positions in the order robfig/cron's parser expects them. These are
// values, returned fresh by a function, so there is no package-level state.
func fields() [6]field {
	return [6]field{
		{name: "second", min: 0, max: 59},
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31, question: true},
		{name: "month", min: 1, max: 12, lookup: monthNumber},
		{name: "day-of-week", min: 0, max: 7, question: true, lookup: weekdayNumber},
	}
}

func monthNumber(s string) (int, bool) {
	for i, m := range [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.EqualFold(s, m) {
			return i + 1, true
		}
	}
	return 0, false
}

func weekdayNumber(s string) (int, bool) {
	for i, d := range [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if strings.EqualFold(s, d) {
			return i, true
		}
	}
	return 0, false
}

// errField is wrapped by every error about a single schedule field.
var errField = errors.New("invalid schedule field")

// check validates one schedule word against f with the same grammar that
// robfig/cron accepts, but stricter where robfig is silently lenient:
//
//	list  = range { "," range }
//	range = ( "*" | "?" | value [ "-" value ] ) [ "/" step ]
//
// Empty list items, signs, steps larger than the field and ranges that run
// backwards are all rejected with a message naming the field. Day-of-week
// takes 0 to 7, 0 and 7 both Sunday, as in Vixie cron and cronie;
// sundaySeven rewrites 7 for robfig/cron, which knows only 0-6.
func (f field) check(word string) error {
	if word == "" {
		return f.errorf(word, "empty")
	}
	for _, item := range strings.Split(word, ",") {
		if err := f.checkRange(item); err != nil {
			return err
		}
	}
	return nil
}

func (f field) checkRange(item string) error {
	if item == "" {
		return f.errorf(item, "empty item in a comma-separated list")
	}
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, err := number(step)
		if err != nil {
			return f.errorf(item, "step %q is not a number", step)
		}
		if n < 1 || n > f.max-f.min+1 {
			return f.errorf(item, "step %d is outside 1-%d", n, f.max-f.min+1)
		}
	}
	switch base {
	case "*":
		return nil
	case "?":
		if !f.question {
			return f.errorf(item, `"?" is only allowed for day-of-month and day-of-week`)
		}
		return nil
	}
	low, high, isRange := strings.Cut(base, "-")
	lo, err := f.value(item, low)
	if err != nil {
		return err
	}
	if !isRange {
		return nil
	}
	hi, err := f.value(item, high)
	if err != nil {
		return err
	}
	if lo > hi {
		return f.errorf(item, "range %d-%d runs backwards", lo, hi)
	}
	return nil
}

// value parses one number or name and checks the bounds.
func (f field) value(item, s string) (int, error) {
	if f.lookup != nil {
		if n, ok := f.lookup(s); ok {
			return n, nil
		}
	}
	n, err := number(s)
	if err != nil {
		if f.lookup != nil {
			return 0, f.errorf(item, "%q is neither a number nor a %s name", s, f.name)
		}
		return 0, f.errorf(item, "%q is not a number", s)
	}
	if n < f.min || n > f.max {
		return 0, f.errorf(item, "%d is outside %d-%d", n, f.min, f.max)
	}
	return n, nil
}

func (f field) errorf(item, format string, args ...any) error {
	return &fieldError{fmt.Sprintf("%s field %q: %s", f.name, item, fmt.Sprintf(format, args...))}
}

// fieldError is an error about one schedule field; it is errField for
// errors.Is without saying so in its text.
type fieldError struct{ msg string }

func (e *fieldError) Error() string        { return e.msg }
func (e *fieldError) Is(target error) bool { return target == errField }

// number accepts plain decimal digits only (no sign, no spaces), at most four
// of them, which is more than any field needs and keeps Atoi far from overflow.
func number(s string) (int, error) {
	if s == "" || len(s) > 4 {
		return 0, fmt.Errorf("not a small number: %q", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number: %q", s)
		}
	}
	return strconv.Atoi(s)
}

// checkFields validates words as the last len(words) positions of a
// schedule: five words are minute..day-of-week, six are second..day-of-week.
func checkFields(words []string) error {
	all := fields()
	pos := all[len(all)-len(words):]
	for i, w := range words {
		if err := pos[i].check(w); err != nil {
			return err
		}
	}
	return nil
}

// sundaySeven returns spec (six fields, or a descriptor) with every 7 of its
// day-of-week field turned into 0, for robfig/cron, which takes 0-6 only.
// A range or a step that reaches 7 ("5-7", "1-7/2") becomes the list of the
// days it means ("5,6,0", "1,3,5,0"). Fields are already checked.
func sundaySeven(spec string) string {
	words := strings.Fields(spec)
	if len(words) != 6 {
		return spec
	}
	var items []string
	for _, item := range strings.Split(words[5], ",") {
		items = append(items, sundaySevenItem(item))
	}
	words[5] = strings.Join(items, ",")
	return strings.Join(words, " ")
}

func sundaySevenItem(item string) string {
	base, stepText, hasStep := strings.Cut(item, "/")
	low, high, isRange := strings.Cut(base, "-")
	lo, okLo := dayNumber(low)
	hi, okHi := lo, okLo
	if isRange {
		hi, okHi = dayNumber(high)
	}
	switch {
	case !okLo || !okHi: // "*" or "?"
		return item
	case !isRange && lo == 7: // "7", or "7/S", which is Sunday alone
		return "0"
	case !isRange || hi != 7: // "N/S" runs to 6 in robfig/cron as 0-6 does
		return item
	}
	step := 1
	if hasStep {
		step, _ = number(stepText)
	}
	var days []string
	for d := lo; d <= hi; d += max(step, 1) {
		days = append(days, strconv.Itoa(d%7))
	}
	return strings.Join(days, ",")
}

// dayNumber reads a day-of-week number or name.
func dayNumber(s string) (int, bool) {
	if n, ok := weekdayNumber(s); ok {
		return n, true
	}
	n, err := number(s)
	return n, err == nil
}
