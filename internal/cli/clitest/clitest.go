// Package clitest checks a command's --help against the README, so that the configuration
// tables list exactly the flags and environment variables the binaries accept.
package clitest

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	helpFlag = regexp.MustCompile(`(?m)^  -(-?[a-z][a-z0-9-]*)`)
	envName  = regexp.MustCompile(`\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b`)
	mdFlag   = regexp.MustCompile("`--([a-z][a-z0-9-]*)`")
	mdEnv    = regexp.MustCompile("`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`")
	mdCode   = regexp.MustCompile("`([^`]*)`")
	// flag.PrintDefaults ends a usage with the default, quoted for strings.
	helpDefault = regexp.MustCompile(`\(default (.*)\)\s*$`)
)

// Help is what a command's --help says: its flags, and the environment variables it names.
type Help struct {
	Flags map[string]string // flag name -> its usage lines
	Env   []string          // sorted, each once
}

// Default is the default --help shows for a flag, unquoted; "" when it shows none, as for a
// zero value.
func (h Help) Default(flag string) string {
	m := helpDefault.FindStringSubmatch(h.Flags[flag])
	if m == nil {
		return ""
	}
	if s, err := strconv.Unquote(m[1]); err == nil {
		return s
	}
	return m[1]
}

// ParseHelp reads the output of flag.PrintDefaults (with the header of cli.Parse).
func ParseHelp(help string) Help {
	h := Help{Flags: map[string]string{}}
	locs := helpFlag.FindAllStringSubmatchIndex(help, -1)
	for i, l := range locs {
		end := len(help)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		h.Flags[strings.TrimPrefix(help[l[2]:l[3]], "-")] = help[l[1]:end]
	}
	h.Env = uniq(envName.FindAllString(help, -1))
	return h
}

// CheckHelp fails t when help does not start with a one-line description or a flag other than
// those in exempt names no environment variable.
func CheckHelp(t *testing.T, help string, exempt ...string) Help {
	t.Helper()
	first, _, _ := strings.Cut(help, "\n")
	if len(first) < 20 || strings.HasPrefix(first, "usage") || strings.HasPrefix(first, "  -") {
		t.Errorf("--help starts with %q; want a one-line description of the command", first)
	}
	h := ParseHelp(help)
	if len(h.Flags) == 0 {
		t.Fatalf("--help lists no flags:\n%s", help)
	}
	for name, usage := range h.Flags {
		if !slices.Contains(exempt, name) && !envName.MatchString(usage) {
			t.Errorf("--help: flag --%s names no environment variable: %q", name, strings.TrimSpace(usage))
		}
	}
	return h
}

// Table is one configuration table of a README: the flags and variables of its rows.
type Table struct {
	Flags    []string
	Env      []string
	Defaults map[string]string // flag -> its default in the table, "" for a zero value
}

// ReadTable returns the table under the Markdown heading (a whole line, like "### searchd") of
// the README at path: every `--flag` and every `ENV_VAR` in its rows.
func ReadTable(t *testing.T, path, heading string) Table {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	start := slices.Index(lines, heading)
	if start < 0 {
		t.Fatalf("%s has no heading %q", path, heading)
	}
	var tb Table
	inTable := false
	for _, line := range lines[start+1:] {
		if strings.HasPrefix(line, "#") {
			break
		}
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		flags := mdFlag.FindAllStringSubmatch(cells[1], -1)
		// The default cell holds a value per flag in code (`50`, `100`), or words for a zero
		// value ("any", "none").
		defaults := mdCode.FindAllStringSubmatch(cells[3], -1)
		for i, m := range flags {
			tb.Flags = append(tb.Flags, m[1])
			if tb.Defaults == nil {
				tb.Defaults = map[string]string{}
			}
			if len(defaults) == len(flags) {
				tb.Defaults[m[1]] = defaults[i][1]
			} else if len(defaults) == 0 {
				tb.Defaults[m[1]] = ""
			} else {
				t.Errorf("%s %q: row of %q has %d defaults in code for %d flags", path, heading, cells[1], len(defaults), len(flags))
			}
		}
		for _, m := range mdEnv.FindAllStringSubmatch(cells[2], -1) {
			tb.Env = append(tb.Env, m[1])
		}
	}
	if !inTable {
		t.Fatalf("%s: no table under %q", path, heading)
	}
	tb.Flags, tb.Env = uniq(tb.Flags), uniq(tb.Env)
	return tb
}

// CompareReadme fails t unless the table under heading lists exactly the flags (except those
// in undocumented, like help) and variables of help, each flag with the default help shows.
func CompareReadme(t *testing.T, help Help, readme, heading string, undocumented ...string) {
	t.Helper()
	tb := ReadTable(t, readme, heading)
	var flags []string
	for name := range help.Flags {
		if !slices.Contains(undocumented, name) {
			flags = append(flags, name)
		}
	}
	flags = uniq(flags)
	if !slices.Equal(flags, tb.Flags) {
		t.Errorf("README %q lists flags %q; --help has %q", heading, tb.Flags, flags)
	}
	if !slices.Equal(help.Env, tb.Env) {
		t.Errorf("README %q lists variables %q; --help has %q", heading, tb.Env, help.Env)
	}
	for _, name := range flags {
		want, documented := tb.Defaults[name]
		if got := help.Default(name); documented && !zeroOrEqual(got, want) {
			t.Errorf("README %q: --%s defaults to %q; --help says %q", heading, name, want, got)
		}
	}
}

// zeroOrEqual reports whether a README default matches --help's: equal, or both a zero value
// (--help shows none for "", 0 and false).
func zeroOrEqual(help, readme string) bool {
	if help == "" {
		return readme == "" || readme == "0" || readme == "false"
	}
	return help == readme
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
