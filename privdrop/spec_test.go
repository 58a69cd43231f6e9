package privdrop

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Spec
		wantErr string
	}{
		{in: "app", want: Spec{User: "app"}},
		{in: "app:staff", want: Spec{User: "app", Group: "staff"}},
		{in: "65534:65534", want: Spec{User: "65534", Group: "65534"}},
		{in: "1000:www-data", want: Spec{User: "1000", Group: "www-data"}},
		{in: "0", want: Spec{User: "0"}},
		{in: "", wantErr: "user is empty"},
		{in: ":grp", wantErr: "user is empty"},
		{in: "app:", wantErr: "group is empty"},
		{in: "a:b:c", wantErr: `group "b:c" contains ':'`},
		{in: "my user", wantErr: "contains ':', a blank"},
		{in: "4294967295", wantErr: "not a valid id"},
		{in: "1:99999999999", wantErr: "not a valid id"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSpec(tt.in)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSpec(%q) = %v, want usage error containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseSpec(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"app", "app:grp", "1:2", ":", "a::b", "4294967295", "-1", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("error %v is not a usage error", err)
			}
			return
		}
		if spec.User == "" || spec.String() != s {
			t.Fatalf("ParseSpec(%q) = %+v", s, spec)
		}
	})
}
