package corpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeFile writes a file of parts in dir, streamed, and returns its path.
func writeStream(t *testing.T, dir, name string, write func(w *bufio.Writer)) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestAttackHugeField feeds the loader outsized input: a 50 MB description in a card file built
// at 3 GB RSS, since files were read whole and continuation lines joined without bound. Now
// every outsized value, film or line is an error with file:line, found while the file streams
// through a 64 KiB window: the load allocates a small multiple of that, whatever the input.
func TestAttackHugeField(t *testing.T) {
	dir := t.TempDir()
	const huge = 50 << 20
	word := strings.Repeat("dance ", 1000)
	for _, tt := range []struct {
		name      string
		write     func(w *bufio.Writer)
		want      string // the first error
		allocated uint64
	}{
		{"a.txt", func(w *bufio.Writer) {
			w.WriteString("Giselle (1975)\nDescription: ")
			for range huge / len(word) {
				w.WriteString(word)
			}
			w.WriteString("\nFact: A fact.\n\nSpartacus (1975)\nDescription: d.\n")
		}, fmt.Sprintf("a.txt:2: line longer than %d bytes", MaxFilmBytes), 4 << 20},
		{"b.txt", func(w *bufio.Writer) {
			w.WriteString("Giselle (1975)\nDescription: begins\n")
			for range 10_000 { // 6 MB of continuation lines
				w.WriteString("  " + word[:600] + "\n")
			}
			w.WriteString("\nSpartacus (1975)\nDescription: d.\n")
		}, fmt.Sprintf("b.txt:1: film longer than %d bytes", MaxFilmBytes), 64 << 20},
		{"c.txt", func(w *bufio.Writer) {
			w.WriteString("Giselle (1975)\nDescription: " + strings.Repeat("d", MaxFieldBytes+1) + "\n\nSpartacus (1975)\nDescription: d.\n")
		}, fmt.Sprintf("c.txt:1: description is longer than %d bytes", MaxFieldBytes), 4 << 20},
		{"d.jsonl", func(w *bufio.Writer) {
			w.WriteString(`{"title":"Giselle","year":1975,"description":"`)
			for range huge / len(word) {
				w.WriteString(word)
			}
			w.WriteString("\"}\n{\"title\":\"Spartacus\",\"year\":1975}\n")
		}, fmt.Sprintf("d.jsonl:1: line longer than %d bytes", MaxFilmBytes), 4 << 20},
		{"e.jsonl", func(w *bufio.Writer) {
			fmt.Fprintf(w, `{"title":"Giselle","year":1975,"facts":[%s"."]}`+"\n", strings.Repeat(`".", `, MaxListItems))
			w.WriteString(`{"title":"Spartacus","year":1975}` + "\n")
		}, fmt.Sprintf("e.jsonl:1: %d facts; at most %d", MaxListItems+1, MaxListItems), 4 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeStream(t, dir, tt.name, tt.write)
			var c *Collection
			var err error
			n := allocated(func() { c, err = LoadFile(path, nil) })
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Errors) == 0 || !strings.HasSuffix(c.Errors[0].String(), tt.want) {
				t.Errorf("errors = %v; want first %q", c.Errors, tt.want)
			}
			var titles []string
			for _, f := range c.Films {
				titles = append(titles, f.Title)
			}
			if fmt.Sprint(titles) != "[Spartacus]" {
				t.Errorf("films = %q; want Spartacus, read after the outsized film", titles)
			}
			if n > tt.allocated {
				t.Errorf("loading allocated %d MB; want at most %d MB", n>>20, tt.allocated>>20)
			}
		})
	}
}

// TestAttackManyLines checks a million-line JSON Lines file, which needed 1.4 GB for --check:
// CheckFile keeps no films and at most MaxProblems problems, so what it holds at the end is
// the ids, not the films or a problem per line.
func TestAttackManyLines(t *testing.T) {
	dir := t.TempDir()
	const films = 20_000
	desc := strings.Repeat("A ballet film about a dancer. ", 30) // ~1 KB each
	path := writeStream(t, dir, "films.jsonl", func(w *bufio.Writer) {
		for i := range films {
			fmt.Fprintf(w, `{"title":"Film %d","year":1970,"description":%q}`+"\n", i, desc)
			fmt.Fprintf(w, `{"title":"","year":1970}`+"\n") // an error per film
		}
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := CheckFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if c.Count != films || len(c.Films) != 0 {
		t.Errorf("CheckFile: Count %d, %d films kept; want %d and none", c.Count, len(c.Films), films)
	}
	if len(c.Errors) != MaxProblems+1 || c.Errors[MaxProblems].More != films-MaxProblems || CountProblems(c.Errors) != films {
		t.Errorf("CheckFile: %d errors, last %v; want %d and a count of the rest", len(c.Errors), c.Errors[len(c.Errors)-1], MaxProblems+1)
	}
	if held > 16<<20 {
		t.Errorf("CheckFile holds %d MB for a %d MB file; want at most 16 MB", held>>20, (films*len(desc))>>20)
	}
	runtime.KeepAlive(c)
}

// TestAttackInvisibleTitle checks what a reader cannot see: NUL bytes in any field, and titles
// of only spaces and zero-width characters, which passed the checks and were indexed.
func TestAttackInvisibleTitle(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"NUL in a title", `{"title":"Gis\u0000elle","year":1975}`, "title contains a NUL byte"},
		{"NUL in a description", `{"title":"Giselle","year":1975,"description":"a\u0000b"}`, "description contains a NUL byte"},
		{"NUL in a fact", `{"title":"Giselle","year":1975,"facts":["a\u0000."]}`, "fact contains a NUL byte"},
		{"NUL in a company", `{"title":"Giselle","year":1975,"company":"Kirov\u0000"}`, "company contains a NUL byte"},
		{"zero-width title", `{"title":"\u200b\u200c\u200d\ufeff","year":1975}`, "title has no visible character"},
		{"spaces and a joiner", `{"title":"\u00a0\u2060 \u3000","year":1975}`, "title has no visible character"},
		{"a lone combining mark", `{"title":"\u0301","year":1975}`, "title has no visible character"},
	} {
		_, errs, _, err := ReadJSONL(strings.NewReader(tt.in), "x.jsonl")
		if err != nil || len(errs) != 1 || errs[0].Reason != tt.want {
			t.Errorf("%s: errors %v, %v; want [x.jsonl:1: %s]", tt.name, errs, err, tt.want)
		}
	}
	cards := "Gis\x00elle (1975)\nDescription: d.\n\n\u200b (1976)\nDescription: d.\n\nGiselle (1977)\nDescription: a\x00.\n"
	_, _, errs, _, err := ReadCards(strings.NewReader(cards), "x.txt")
	got := fmt.Sprint(errs)
	if want := "[x.txt:1: title contains a NUL byte x.txt:4: title has no visible character x.txt:7: description contains a NUL byte]"; err != nil || got != want {
		t.Errorf("cards: errors %s, %v; want %s", got, err, want)
	}
	// Visible titles in any script still pass.
	for _, title := range []string{"Жизель", "白鳥の湖", "Ω", "8½", "\u200bGiselle"} {
		films, errs, _, _ := ReadJSONL(strings.NewReader(fmt.Sprintf(`{"title":%q,"year":1975}`, title)), "x.jsonl")
		if len(films) != 1 || len(errs) != 0 {
			t.Errorf("title %q: %v; want accepted", title, errs)
		}
	}
}

// TestLimitsDocumented ties the README's account of the corpus limits to the constants above.
func TestLimitsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ") // the paragraph wraps anywhere
	for _, want := range []string{
		fmt.Sprintf("a value (title, description, one fact, one company) at most %d KiB", MaxFieldBytes>>10),
		fmt.Sprintf("a film (its JSON line, or its card) at most %d KiB", MaxFilmBytes>>10),
		fmt.Sprintf("at most %d facts, companies, genres or cast names per film", MaxListItems),
		fmt.Sprintf("a file at most %d GiB", MaxFileBytes>>30),
		fmt.Sprintf("at most %d,%03d errors and %[1]d,%03[2]d warnings", MaxProblems/1000, MaxProblems%1000),
		fmt.Sprintf("a year from %d to next year", MinYear),
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}
