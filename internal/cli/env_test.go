package cli

import (
	"testing"
	"time"
)

func TestEnv(t *testing.T) {
	vars := map[string]string{"S": "x", "I": "7", "F": "2.5", "D": "3s", "BAD_I": "seven", "BAD_D": "soon"}
	e := NewEnv(func(k string) string { return vars[k] })
	if got := e.String("S", "d"); got != "x" {
		t.Errorf("String(S) = %q; want x", got)
	}
	if got := e.String("UNSET", "d"); got != "d" {
		t.Errorf("String(UNSET) = %q; want the default d", got)
	}
	if got := e.Int("I", 1); got != 7 {
		t.Errorf("Int(I) = %d; want 7", got)
	}
	if got := e.Float("F", 1); got != 2.5 {
		t.Errorf("Float(F) = %v; want 2.5", got)
	}
	if got := e.Duration("D", time.Second); got != 3*time.Second {
		t.Errorf("Duration(D) = %v; want 3s", got)
	}
	if e.Err() != nil {
		t.Fatalf("Err() = %v after good values; want nil", e.Err())
	}
	if got := e.Int("BAD_I", 4); got != 4 {
		t.Errorf("Int(BAD_I) = %d; want the default 4", got)
	}
	e.Duration("BAD_D", time.Second)
	if err := e.Err(); err == nil {
		t.Error("Err() = nil after malformed values; want both named")
	} else if msg := err.Error(); msg != `BAD_I="seven": strconv.Atoi: parsing "seven": invalid syntax`+"\n"+`BAD_D="soon": time: invalid duration "soon"` {
		t.Errorf("Err() = %q; want both variables named", msg)
	}
}
