package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		args           []string
		wantErr        error
		stdout, stderr string // substrings; "" for empty
	}{
		{[]string{"--help"}, flag.ErrHelp, "tool does things.\n\nusage: tool [--n N]", ""},
		{[]string{"-h"}, flag.ErrHelp, "TOOL_SECRET", ""},
		{[]string{"--bogus"}, errors.New("any"), "", "run 'tool --help' for the flags"},
		{[]string{"--n", "3"}, nil, "", ""},
	} {
		var out, errOut bytes.Buffer
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		fs.SetOutput(&errOut)
		fs.Int("n", 1, "how many (TOOL_N)")
		err := Parse(fs, tt.args, &out, "tool does things.", "tool [--n N]", "TOOL_SECRET  a secret")
		switch {
		case tt.wantErr == nil && err != nil, tt.wantErr != nil && err == nil,
			errors.Is(tt.wantErr, flag.ErrHelp) && !errors.Is(err, flag.ErrHelp):
			t.Errorf("Parse(%q) = %v; want %v", tt.args, err, tt.wantErr)
		}
		if (tt.stdout == "") != (out.Len() == 0) || !strings.Contains(out.String(), tt.stdout) {
			t.Errorf("Parse(%q) stdout = %q; want %q in it", tt.args, out.String(), tt.stdout)
		}
		if (tt.stderr == "") != (errOut.Len() == 0) || !strings.Contains(errOut.String(), tt.stderr) {
			t.Errorf("Parse(%q) stderr = %q; want %q in it", tt.args, errOut.String(), tt.stderr)
		}
	}
	if err := OneOf("log-format", "xml", "json", "console"); err == nil || !strings.Contains(err.Error(), "--log-format \"xml\"") {
		t.Errorf("OneOf(xml) = %v; want an error naming the flag and value", err)
	}
}
