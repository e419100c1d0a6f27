package relevance

import (
	"testing"

	"filmsearch/internal/testkit"
)

// TestMain keeps the builds that tests and benchmarks share until the binary exits.
func TestMain(m *testing.M) { testkit.Main(m) }
