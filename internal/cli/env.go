// Package cli holds what the commands share: flag defaults read from the environment, so that
// a flag beats its variable, which beats the built-in default, and a malformed variable is an
// error rather than a silent fall back.
package cli

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Env reads defaults from getenv and remembers the variables it could not parse. It is not
// safe for concurrent use; commands use one while parsing their flags.
type Env struct {
	getenv func(string) string
	errs   []error
}

// NewEnv reads variables through getenv, usually os.Getenv.
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// String returns the variable, or def when it is unset or empty.
func (e *Env) String(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// Int returns the variable as an integer, or def when it is unset.
func (e *Env) Int(name string, def int) int {
	return parse(e, name, def, strconv.Atoi)
}

// Float returns the variable as a number, or def when it is unset.
func (e *Env) Float(name string, def float64) float64 {
	return parse(e, name, def, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
}

// Duration returns the variable as a duration like "2s", or def when it is unset.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	return parse(e, name, def, time.ParseDuration)
}

// Bool returns the variable as a boolean (1, t, true, 0, f, false...), or def when it is unset.
func (e *Env) Bool(name string, def bool) bool {
	return parse(e, name, def, strconv.ParseBool)
}

// Err reports every variable that was set but malformed, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

func parse[T any](e *Env, name string, def T, conv func(string) (T, error)) T {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	x, err := conv(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: %w", name, v, err))
		return def
	}
	return x
}
