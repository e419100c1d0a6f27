package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// GazetteerFile is the name of the gazetteer inside a collection directory.
const GazetteerFile = "companies.json"

// LoadDir reads every *.txt file (card format) and *.jsonl file (JSON Lines) in dir, not
// recursively, in name order, with dir/companies.json as the gazetteer when present. Other files
// are ignored. Problems name files as filepath.Join(dir, name). It returns an error only for I/O
// problems; validation findings, a bad gazetteer and ids repeated across files among them, go in
// Errors and Warnings.
func LoadDir(dir string) (*Collection, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	c := &Collection{}
	var gaz *Gazetteer
	gazPath := filepath.Join(dir, GazetteerFile)
	data, err := os.ReadFile(gazPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("load %s: %w", dir, err)
	default:
		if gaz, err = ParseGazetteer(data); err != nil {
			c.Errors = append(c.Errors, Problem{File: gazPath, Reason: err.Error()})
		}
	}

	d := newDigest()
	seen := map[string]string{} // id -> "file:line" of its first film
	for _, e := range entries { // os.ReadDir sorts by name
		if !e.Type().IsRegular() || kind(e.Name()) == "" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", dir, err)
		}
		d.add(e.Name(), data)
		ch, intro := parse(data, path)
		if c.Intro == "" {
			c.Intro = intro
		}
		c.Errors = append(c.Errors, ch.errs...)
		c.Warnings = append(c.Warnings, ch.warns...)
		for _, r := range ch.accepted {
			if first, ok := seen[r.film.ID]; ok {
				c.Errors = append(c.Errors, Problem{File: path, Line: r.line,
					Reason: fmt.Sprintf("duplicate id %q (first at %s)", r.film.ID, first)})
				continue
			}
			seen[r.film.ID] = path + ":" + strconv.Itoa(r.line)
			c.Films = append(c.Films, r.film)
		}
	}
	if c.Films == nil {
		c.Films = []Film{}
	}
	applyGazetteer(c.Films, gaz)
	c.Digest = d.sum(gaz)
	return c, nil
}

// LoadFile reads one .txt (card format) or .jsonl file, with an optional gazetteer (nil: none).
// Problems name the file by path. It returns an error for I/O problems and for other extensions.
func LoadFile(path string, gaz *Gazetteer) (*Collection, error) {
	if kind(path) == "" {
		return nil, fmt.Errorf("load %s: unsupported file type (want .txt or .jsonl)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	ch, intro := parse(data, path)
	c := &Collection{Films: ch.films(), Intro: intro, Warnings: ch.warns, Errors: ch.errs}
	applyGazetteer(c.Films, gaz)
	d := newDigest()
	d.add(filepath.Base(path), data)
	c.Digest = d.sum(gaz)
	return c, nil
}

// kind returns the format of a file by its extension, or "" for files that are not collections.
func kind(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt":
		return "cards"
	case ".jsonl":
		return "jsonl"
	}
	return ""
}

// parse reads a whole file in its format; reading from memory cannot fail.
func parse(data []byte, name string) (*checker, string) {
	if kind(name) == "cards" {
		return readCards(data, name)
	}
	ch, _ := readJSONL(bytes.NewReader(data), name)
	return ch, ""
}

// applyGazetteer fills in companies of films that name none explicitly.
func applyGazetteer(films []Film, gaz *Gazetteer) {
	if gaz == nil {
		return
	}
	for i := range films {
		f := &films[i]
		if len(f.Companies) == 0 {
			f.Companies = gaz.Match(append([]string{f.Description}, f.Facts...)...)
		}
	}
}

// digest hashes files unambiguously: each name and length precede its bytes.
type digest struct{ h hash.Hash }

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) add(name string, data []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(name)))
	d.h.Write(n[:])
	d.h.Write([]byte(name))
	binary.BigEndian.PutUint64(n[:], uint64(len(data)))
	d.h.Write(n[:])
	d.h.Write(data)
}

// sum finishes the digest with the gazetteer, which changes companies and so the index.
func (d *digest) sum(gaz *Gazetteer) string {
	if gaz != nil {
		d.add(GazetteerFile, gaz.sum[:])
	}
	return hex.EncodeToString(d.h.Sum(nil))
}
