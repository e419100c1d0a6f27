package corpus

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// seeds are real and known-bad inputs shared by both fuzzers.
var seeds = []string{
	"",
	"\uFEFF",
	"\uFEFFTitle (1970)\r\nDescription: d.\r\nFact: f.\r\n",
	"A (1970)\nDescription: a\xff.\n",
	"A (99999999999999999999999)\nDescription: a.\n",
	"(1970)\nFoo: bar\n\nDescription: x\nB (1700)\nCompany: , ,\n",
	`{"id":"a","title":"A","year":1970,"description":"d","facts":["f."],"companies":["C"],"company":"D","wiki":"https://w"}`,
	"{\"title\":\"A\xff\",\"year\":1970}\n\n[1]\n{\"title\":\"A\",\"year\":1e99}\n{",
	"\uFEFF{\"title\":\"A\",\"year\":1970}\r\n{\"id\":\"..\",\"title\":\"B\",\"year\":1971}",
	"Gis\x00elle (1975)\nDescription: d.\n\n\u200b\u2060 (1976)\nDescription: d.\n",
	"{\"title\":\"\\u200b\",\"year\":1975,\"description\":\"a\\u0000\"}\n",
}

func addSeeds(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(balletPath); err == nil {
		f.Add(data)
	}
	if data, err := os.ReadFile("testdata/sample.jsonl"); err == nil {
		f.Add(data)
	}
}

// checkFilms states what every reader promises about what it returns.
func checkFilms(t *testing.T, films []Film, problems ...[]Problem) {
	t.Helper()
	ids := map[string]bool{}
	for _, f := range films {
		if f.Title == "" || !validID(f.ID) || f.Year < MinYear || f.Year > MaxYear() {
			t.Errorf("invalid film returned: %+v", f)
		}
		if f.Facts == nil || f.Companies == nil {
			t.Errorf("film %q has nil Facts or Companies", f.ID)
		}
		if ids[f.ID] {
			t.Errorf("id %q returned twice", f.ID)
		}
		ids[f.ID] = true
	}
	for _, ps := range problems {
		for _, p := range ps {
			if p.Line < 1 || p.File == "" || p.Reason == "" {
				t.Errorf("bad problem: %+v", p)
			}
		}
	}
}

func FuzzReadCards(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		films, intro, errs, warns, err := ReadCards(bytes.NewReader(data), "f.txt")
		if err != nil {
			t.Fatalf("ReadCards() error = %v; want nil from a bytes.Reader", err)
		}
		checkFilms(t, films, errs, warns)
		films2, intro2, errs2, warns2, _ := ReadCards(bytes.NewReader(data), "f.txt")
		if !reflect.DeepEqual(films, films2) || intro != intro2 || !reflect.DeepEqual(errs, errs2) || !reflect.DeepEqual(warns, warns2) {
			t.Errorf("ReadCards is not deterministic")
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		films, errs, warns, err := ReadJSONL(bytes.NewReader(data), "f.jsonl")
		if err != nil {
			t.Fatalf("ReadJSONL() error = %v; want nil from a bytes.Reader", err)
		}
		checkFilms(t, films, errs, warns)
		films2, errs2, warns2, _ := ReadJSONL(bytes.NewReader(data), "f.jsonl")
		if !reflect.DeepEqual(films, films2) || !reflect.DeepEqual(errs, errs2) || !reflect.DeepEqual(warns, warns2) {
			t.Errorf("ReadJSONL is not deterministic")
		}
	})
}
