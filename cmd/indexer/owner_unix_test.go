//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRootGivesBuildToOwner: run as root into an index directory another user owns (searchd's
// state directory), the indexer leaves everything it wrote to that user, so searchd can prune.
func TestRootGivesBuildToOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root := filepath.Join(t.TempDir(), "index")
	if err := os.Mkdir(root, 0o750); err != nil {
		t.Fatal(err)
	}
	const uid, gid = 65532, 65532
	if err := os.Chown(root, uid, gid); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runIndexer(t, nil, "--corpus", "../../corpus", "--index", root); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
			t.Errorf("%s is owned by %d:%d; want %d:%d", path, st.Uid, st.Gid, uid, gid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
