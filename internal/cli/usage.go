package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Parse parses args with fs, whose usage lines name each flag's environment variable. On -h or
// --help it writes about (one line saying what the command does), the usage line and every
// flag to stdout and returns flag.ErrHelp, which a command answers by exiting 0. envOnly lists
// variables that have no flag (a secret kept out of process lists), printed after the flags.
// Any other parse error has been printed to fs's output with a pointer to --help.
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer, about, usage string, envOnly ...string) error {
	fs.Usage = func() {} // flag calls it on --help too; the help goes to stdout below
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(fs.Output(), "run '%s --help' for the flags\n", fs.Name())
	}
	if !errors.Is(err, flag.ErrHelp) {
		return err
	}
	fmt.Fprintf(stdout, "%s\n\nusage: %s\n\nFlags (each defaults from the environment variable named; a flag beats its variable):\n", about, usage)
	out := fs.Output()
	fs.SetOutput(stdout)
	fs.PrintDefaults()
	fs.SetOutput(out)
	if len(envOnly) > 0 {
		fmt.Fprintf(stdout, "\nEnvironment only:\n")
		for _, e := range envOnly {
			fmt.Fprintf(stdout, "  %s\n", e)
		}
	}
	return flag.ErrHelp
}

// OneOf returns an error naming the flag unless value is one of allowed.
func OneOf(flagName, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return fmt.Errorf("--%s %q: want one of %s", flagName, value, strings.Join(allowed, ", "))
}
