// Package deploy holds no Go code: its tests check the deployment files (publish.sh, the
// Dockerfile and the systemd unit) against what searchd does.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// publish runs publish.sh with KEEP=keep, publishing build id (made under src) to replica.
func publish(t *testing.T, src, replica, id, keep string) {
	t.Helper()
	build := filepath.Join(src, id)
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "manifest.json"), []byte(`{"id":"`+id+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "publish.sh", build, replica)
	cmd.Env = append(os.Environ(), "KEEP="+keep, "RELOAD_URLS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("KEEP=%s publish.sh %s: %v\n%s", keep, id, err, out)
	}
}

func builds(t *testing.T, replica string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(replica, "builds"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestPublishKeep: publish.sh never removes the build it replaces (searches may still read
// it), KEEP=1 included, and keeps KEEP builds otherwise.
func TestPublishKeep(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	src, replica := t.TempDir(), t.TempDir()
	ids := []string{"20260101T000000.000Z-a", "20260102T000000.000Z-b", "20260103T000000.000Z-c", "20260104T000000.000Z-d", "20260105T000000.000Z-e"}
	steps := []struct {
		id, keep string
		want     []string
	}{
		{ids[0], "1", ids[:1]},
		{ids[1], "1", ids[:2]},                  // the replaced build stays
		{ids[2], "1", ids[1:3]},                 // ...and goes at the next publish
		{ids[3], "3", ids[1:4]},                 // three kept
		{ids[4], "2", ids[3:5]},                 // the new one and the one it replaced
		{ids[4], "1", ids[4:5]},                 // republishing the served build: it alone stays
		{ids[0], "2", []string{ids[0], ids[4]}}, // an older build published again replaces e, which stays
	}
	for _, s := range steps {
		publish(t, src, replica, s.id, s.keep)
		got := builds(t, replica)
		want := slices.Clone(s.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("after KEEP=%s publish %s: builds %q; want %q", s.keep, s.id, got, want)
		}
		if cur, _ := os.Readlink(filepath.Join(replica, "current")); cur != "builds/"+s.id {
			t.Errorf("after publish %s: current -> %s", s.id, cur)
		}
	}
	cmd := exec.Command("bash", "publish.sh", filepath.Join(src, ids[0]), replica)
	cmd.Env = append(os.Environ(), "KEEP=0")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "KEEP=0") {
		t.Errorf("KEEP=0: %v, %s; want refused", err, out)
	}
}

// envDuration finds NAME=VALUE (a Go duration) in text, as an ENV line of the Dockerfile or an
// Environment= line of the unit writes it.
func envDuration(t *testing.T, file, text, name string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(name + `=(\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s sets no %s", file, name)
	}
	d, err := time.ParseDuration(strings.TrimSuffix(m[1], `\`))
	if err != nil {
		t.Fatalf("%s: %s=%s: %v", file, name, m[1], err)
	}
	return d
}

// TestStopGrace: the drain delay plus the shutdown timeout fit in the time the supervisor waits
// before SIGKILL: docker stop's default 10 s, the unit's TimeoutStopSec.
func TestStopGrace(t *testing.T) {
	for _, c := range []struct {
		file  string
		grace func(text string) time.Duration
	}{
		{"Dockerfile", func(string) time.Duration { return 10 * time.Second }},
		{"searchd.service", func(text string) time.Duration {
			m := regexp.MustCompile(`(?m)^TimeoutStopSec=(\d+)s$`).FindStringSubmatch(text)
			if m == nil {
				t.Fatal("searchd.service has no TimeoutStopSec=Ns")
			}
			n, _ := strconv.Atoi(m[1])
			return time.Duration(n) * time.Second
		}},
	} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		need := envDuration(t, c.file, text, "SEARCHD_DRAIN_DELAY") + envDuration(t, c.file, text, "SEARCHD_SHUTDOWN_TIMEOUT")
		if grace := c.grace(text); need+time.Second > grace {
			t.Errorf("%s: drain delay + shutdown timeout = %v; the supervisor kills after %v: want a second of margin", c.file, need, grace)
		}
	}
}
