//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// giveToOwner hands what a root indexer wrote under root (the new build, current, the lock) to
// the owner of root, so the searchd that owns the directory can prune and replace it later. It
// does nothing unless the indexer runs as root and root belongs to someone else.
func giveToOwner(root string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	info, err := os.Stat(root)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	uid, gid := int(st.Uid), int(st.Gid)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if s, ok := fi.Sys().(*syscall.Stat_t); ok && s.Uid == 0 {
			return os.Lchown(path, uid, gid)
		}
		return nil
	})
}
