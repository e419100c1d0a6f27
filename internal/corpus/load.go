package corpus

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// GazetteerFile is the name of the gazetteer inside a collection directory.
const GazetteerFile = "companies.json"

// SynonymsFile is the name of the themes file inside a collection directory. The index reads
// it; this package only covers it in the digest, since it changes what a build finds.
const SynonymsFile = "synonyms.json"

// LoadPath reads a collection directory as LoadDir does, or one .txt or .jsonl file with the
// companies.json beside it as its gazetteer, so a file reads as a directory holding only it
// would. With check, no films are kept (CheckDir, CheckFile). A bad gazetteer is an Error of
// the collection; only I/O errors are returned.
func LoadPath(path string, check bool) (*Collection, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load %w", err)
	}
	if info.IsDir() {
		return loadDir(path, !check)
	}
	dir := filepath.Dir(path)
	gazPath := filepath.Join(dir, GazetteerFile)
	var gaz *Gazetteer
	var gazErr error
	if _, err := os.Stat(gazPath); err == nil {
		gaz, gazErr = LoadGazetteer(gazPath)
	}
	c, err := loadFile(path, gaz, !check)
	if err != nil {
		return nil, err
	}
	if gazErr != nil {
		c.Errors = append(c.Errors, Problem{File: gazPath, Reason: gazErr.Error()})
	}
	syn, err := fileSum(filepath.Join(dir, SynonymsFile))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	c.Digest = digestFile(c.fileSum, gaz, syn)
	return c, nil
}

// Digest returns the digest LoadPath(path) would give the collection, reading the files only to
// hash them: cheap enough to tell at start-up whether a build is of this collection. A
// gazetteer that does not parse counts by its bytes, as the collection is invalid anyway.
func Digest(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("digest %w", err)
	}
	dir, names := path, []string(nil)
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return "", fmt.Errorf("digest %w", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() && kind(e.Name()) != "" {
				names = append(names, e.Name())
			}
		}
	} else {
		if kind(path) == "" {
			return "", fmt.Errorf("digest %s: unsupported file type (want .txt or .jsonl)", path)
		}
		dir, names = filepath.Dir(path), []string{filepath.Base(path)}
	}
	d := newDigest()
	for _, name := range names {
		if err := d.addFile(filepath.Join(dir, name), name); err != nil {
			return "", fmt.Errorf("digest %w", err)
		}
	}
	gaz, err := fileSum(filepath.Join(dir, GazetteerFile))
	if err != nil {
		return "", fmt.Errorf("digest %w", err)
	}
	syn, err := fileSum(filepath.Join(dir, SynonymsFile))
	if err != nil {
		return "", fmt.Errorf("digest %w", err)
	}
	return d.finish(gaz, syn), nil
}

// fileSum is the SHA-256 of the file at path, or nil when there is no such file.
func fileSum(path string) (*[sha256.Size]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &sum, nil
}

func digestFile(d *digest, gaz *Gazetteer, syn *[sha256.Size]byte) string {
	var g *[sha256.Size]byte
	if gaz != nil {
		g = &gaz.sum
	}
	return d.finish(g, syn)
}

// LoadDir reads every *.txt file (card format) and *.jsonl file (JSON Lines) in dir, not
// recursively, in name order, with dir/companies.json as the gazetteer when present. Other files
// are ignored. Problems name files as filepath.Join(dir, name). It returns an error only for I/O
// problems; validation findings, a bad gazetteer and ids repeated across files among them, go in
// Errors and Warnings. Files stream in within the limits of limits.go.
func LoadDir(dir string) (*Collection, error) {
	return loadDir(dir, true)
}

// CheckDir validates dir as LoadDir does but keeps no films: Films is empty and Count says how
// many are valid. Its memory grows with the number of films (their ids), not their size.
func CheckDir(dir string) (*Collection, error) {
	return loadDir(dir, false)
}

func loadDir(dir string, keep bool) (*Collection, error) {
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
		ch := newChecker(path)
		ch.accept = func(r *record) {
			if first, ok := seen[r.film.ID]; ok {
				ch.errorf(r.line, "duplicate id %q (first at %s)", r.film.ID, first)
				return
			}
			seen[r.film.ID] = path + ":" + strconv.Itoa(r.line)
			c.Count++
			if keep {
				c.Films = append(c.Films, r.film)
			}
		}
		intro, err := parseFile(path, e.Name(), ch, d)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", dir, err)
		}
		if c.Intro == "" {
			c.Intro = intro
		}
		c.Errors = append(c.Errors, ch.errs...)
		c.Warnings = append(c.Warnings, ch.warns...)
	}
	if c.Films == nil {
		c.Films = []Film{}
	}
	applyGazetteer(c.Films, gaz)
	syn, err := fileSum(filepath.Join(dir, SynonymsFile))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	var gazSum *[sha256.Size]byte
	if data != nil {
		sum := sha256.Sum256(data)
		gazSum = &sum
	}
	c.Digest = d.finish(gazSum, syn)
	return c, nil
}

// LoadFile reads one .txt (card format) or .jsonl file, with an optional gazetteer (nil: none).
// Problems name the file by path. It returns an error for I/O problems and for other extensions.
func LoadFile(path string, gaz *Gazetteer) (*Collection, error) {
	return loadFile(path, gaz, true)
}

// CheckFile validates one file as LoadFile does but keeps no films, as CheckDir.
func CheckFile(path string, gaz *Gazetteer) (*Collection, error) {
	return loadFile(path, gaz, false)
}

func loadFile(path string, gaz *Gazetteer, keep bool) (*Collection, error) {
	if kind(path) == "" {
		return nil, fmt.Errorf("load %s: unsupported file type (want .txt or .jsonl)", path)
	}
	c := &Collection{Films: []Film{}}
	ch := newChecker(path)
	ch.accept = func(r *record) {
		c.Count++
		if keep {
			c.Films = append(c.Films, r.film)
		}
	}
	d := newDigest()
	intro, err := parseFile(path, filepath.Base(path), ch, d)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	c.Intro, c.Warnings, c.Errors = intro, ch.warns, ch.errs
	applyGazetteer(c.Films, gaz)
	c.fileSum = d.clone()
	c.Digest = digestFile(d, gaz, nil)
	return c, nil
}

// parseFile streams the file at path through ch in its format, adding it to d under name. A
// file larger than MaxFileBytes is an error of ch, and is not read.
func parseFile(path, name string, ch *checker, d *digest) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if info.Size() > MaxFileBytes {
		ch.errorf(0, "file is %d bytes; at most %d", info.Size(), MaxFileBytes)
		return "", nil
	}
	// The digest prefixes a file with its length, known from Stat; a file that changes size
	// while it is read is an I/O error, not a different collection.
	h := d.start(name, info.Size())
	var intro string
	if kind(name) == "cards" {
		intro, err = readCards(io.TeeReader(f, h), ch)
	} else {
		err = readJSONL(io.TeeReader(f, h), ch)
	}
	if err != nil {
		return "", err
	}
	// Limits may stop reading early: the digest still covers every byte.
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if h.n != info.Size() {
		return "", fmt.Errorf("%s changed while it was read (%d bytes, then %d)", path, info.Size(), h.n)
	}
	return intro, nil
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

// applyGazetteer gives every film canonical company names: explicit ones are spelled as the
// gazetteer's canonical name when it knows them under any alias (so "MGM" and
// "Metro-Goldwyn-Mayer" are one facet value), each once; films that name none get the companies
// the gazetteer finds in their text. Then names the gazetteer does not know are folded by
// spelling (see foldSpellings).
func applyGazetteer(films []Film, gaz *Gazetteer) {
	defer foldSpellings(films)
	if gaz == nil {
		return
	}
	for i := range films {
		f := &films[i]
		if len(f.Companies) == 0 {
			f.Companies = gaz.Match(append([]string{f.Description}, f.Facts...)...)
			continue
		}
		f.Companies = canonicalCompanies(f.Companies, gaz)
	}
}

// foldSpellings gives names that differ only in case, spaces and punctuation ("Metro Goldwyn
// Mayer", "Metro-Goldwyn Mayer", "Metro-Goldwyn-Mayer") the spelling most films use, the first
// seen among equals, so a facet has one value for them. Aliases that share no words ("MGM")
// need the gazetteer.
func foldSpellings(films []Film) {
	type spellings struct {
		n     map[string]int
		first []string
		best  string
	}
	byKey := map[string]*spellings{}
	key := func(name string) string { return strings.Join(matchWords(name), " ") }
	for _, f := range films {
		for _, c := range f.Companies {
			k := key(c)
			sp := byKey[k]
			if sp == nil {
				sp = &spellings{n: map[string]int{}}
				byKey[k] = sp
			}
			if sp.n[c] == 0 {
				sp.first = append(sp.first, c)
			}
			sp.n[c]++
		}
	}
	varied := false
	for _, sp := range byKey {
		for _, c := range sp.first {
			if sp.best == "" || sp.n[c] > sp.n[sp.best] {
				sp.best = c
			}
		}
		varied = varied || len(sp.first) > 1
	}
	if !varied {
		return
	}
	for i := range films {
		f := &films[i]
		for j, c := range f.Companies {
			if sp := byKey[key(c)]; sp != nil && len(sp.first) > 1 {
				f.Companies[j] = sp.best
			}
		}
		f.Companies = canonicalCompanies(f.Companies, nil)
	}
}

// canonicalCompanies maps names to their canonical spelling, keeping the first of duplicates.
func canonicalCompanies(names []string, gaz *Gazetteer) []string {
	out := names[:0:0]
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		n, _ = gaz.Canonical(n)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// digest hashes files unambiguously: each name and length precede its bytes.
type digest struct{ h hash.Hash }

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) add(name string, data []byte) {
	d.start(name, int64(len(data))).Write(data)
}

// start adds name and the length of its bytes, which the caller then writes to the writer
// returned, and it counts them.
func (d *digest) start(name string, size int64) *countingWriter {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(name)))
	d.h.Write(n[:])
	d.h.Write([]byte(name))
	binary.BigEndian.PutUint64(n[:], uint64(size))
	d.h.Write(n[:])
	return &countingWriter{w: d.h}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// addFile adds the file at path under name.
func (d *digest) addFile(path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	w := d.start(name, info.Size())
	if _, err := io.Copy(w, f); err != nil {
		return err
	}
	if w.n != info.Size() {
		return fmt.Errorf("%s changed while it was read (%d bytes, then %d)", path, info.Size(), w.n)
	}
	return nil
}

// clone returns a digest that continues from d's state independently.
func (d *digest) clone() *digest {
	state, err := d.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic(err) // sha256 digests always marshal
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		panic(err)
	}
	return &digest{h: h}
}

// finish ends the digest with the sums of the gazetteer, which changes companies, and of the
// themes, which change what a search finds; either may be nil (no such file).
func (d *digest) finish(gaz, syn *[sha256.Size]byte) string {
	if gaz != nil {
		d.add(GazetteerFile, gaz[:])
	}
	if syn != nil {
		d.add(SynonymsFile, syn[:])
	}
	return hex.EncodeToString(d.h.Sum(nil))
}
