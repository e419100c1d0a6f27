package index

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A build's checksums live in a sidecar file in the format of sha256sum, so an operator can
// check a build by hand with `cd builds/<id> && sha256sum -c checksums.sha256`:
//
//	<64 hex digits><two spaces><path relative to the build, with slashes>
//
// Publish writes it after every other file and before the build is verified; every open of a
// build checks each listed file against it before Bleve reads a byte, because Bleve panics or
// answers garbage on a damaged segment. A build published before checksums existed has no
// sidecar and is opened unchecked.
const (
	checksumsFile = "checksums.sha256"
	// maxChecksumsBytes bounds the sidecar read on open: a build has a few dozen files.
	maxChecksumsBytes = 1 << 20
)

// writeChecksums hashes every regular file under dir except the sidecar itself and writes the
// sidecar, fsynced.
func writeChecksums(dir string) error {
	var buf bytes.Buffer
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == checksumsFile {
			return nil
		}
		sum, err := hashFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&buf, "%s  %s\n", sum, rel)
		return nil
	})
	if err != nil {
		return fmt.Errorf("checksums %s: %w", dir, err)
	}
	return writeFile(filepath.Join(dir, checksumsFile), buf.Bytes())
}

// verifyChecksums checks every file the sidecar of the build in dir lists. It returns an error
// wrapping ErrDamaged when a file is missing or differs from its sum, or when the sidecar is
// malformed; a plain error when a file cannot be read; nil when all match or when there is no
// sidecar.
func verifyChecksums(dir string) error {
	f, err := os.Open(filepath.Join(dir, checksumsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checksums %s: %w", dir, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxChecksumsBytes+1))
	if err != nil {
		return fmt.Errorf("checksums %s: %w", dir, err)
	}
	if len(data) > maxChecksumsBytes {
		return fmt.Errorf("%s: %s is larger than %d bytes: %w", dir, checksumsFile, maxChecksumsBytes, ErrDamaged)
	}
	sums, err := parseChecksums(data)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	for _, s := range sums {
		got, err := hashFile(filepath.Join(dir, filepath.FromSlash(s.path)))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %s: %w: %w", dir, s.path, ErrDamaged, err)
		}
		if err != nil { // permissions, too many open files: not the build's fault
			return fmt.Errorf("checksums %s: %w", dir, err)
		}
		if got != s.sum {
			return fmt.Errorf("%s: %s: checksum mismatch: %w", dir, s.path, ErrDamaged)
		}
	}
	return nil
}

type fileSum struct {
	sum, path string // lower-case hex; slash-separated, relative, inside the build
}

// parseChecksums reads a sidecar. It refuses anything writeChecksums would not write: a line
// that is not a sum and a clean relative path, a path that leaves the build, a path listed
// twice, or an empty list. Every error wraps ErrDamaged.
func parseChecksums(data []byte) ([]fileSum, error) {
	var out []fileSum
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxChecksumsBytes)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		sum, path, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 2*sha256.Size || !isLowerHex(sum) || !validBuildPath(path) {
			return nil, fmt.Errorf("%s:%d: malformed line: %w", checksumsFile, n, ErrDamaged)
		}
		if slices.ContainsFunc(out, func(s fileSum) bool { return s.path == path }) {
			return nil, fmt.Errorf("%s:%d: %s listed twice: %w", checksumsFile, n, path, ErrDamaged)
		}
		out = append(out, fileSum{sum: sum, path: path})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", checksumsFile, ErrDamaged, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no files: %w", checksumsFile, ErrDamaged)
	}
	return out, nil
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validBuildPath accepts a clean, relative, slash-separated path that stays inside the build.
func validBuildPath(p string) bool {
	return p != "" && fs.ValidPath(p) && p != "." && !strings.ContainsAny(p, "\\\x00\r")
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFile writes data to path and fsyncs it.
func writeFile(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
