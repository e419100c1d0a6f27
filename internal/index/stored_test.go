package index

import (
	"reflect"
	"testing"
)

// TestStoredMatchesDocument reads every film of the test collection by document number, the way
// rankings and pages do, and compares it with the film read by its id through Bleve's Document.
func TestStoredMatchesDocument(t *testing.T) {
	ix := testCollection(t)
	s := ix.acquire()
	defer s.release()
	r, err := s.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := r.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	for d := range int(n) {
		id, err := r.ExternalID(internalID(d))
		if err != nil {
			t.Fatalf("ExternalID(%d): %v", d, err)
		}
		want, err := s.film(id)
		if err != nil {
			continue // a synonym definition, not a film
		}
		got, err := s.stored(r, d)
		if err != nil {
			t.Fatalf("stored(%d) = %v; want film %s", d, err, id)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored(%d) = %+v; want %+v", d, got, want)
		}
	}
	if _, err := s.stored(r, int(n)+10); err == nil {
		t.Errorf("stored(%d) of %d documents: no error", n+10, n)
	}
}

// BenchmarkStored loads each film of the test collection by document number, as a ranking
// reads the stored text of its top films and a page its hits.
func BenchmarkStored(b *testing.B) {
	ix := testCollection(b)
	s := ix.acquire()
	defer s.release()
	r, err := s.reader()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var docs []int
	n, _ := r.DocCount()
	for d := range int(n) {
		if _, err := s.stored(r, d); err == nil {
			docs = append(docs, d)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := s.stored(r, docs[i%len(docs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(len(docs)), "films")
}
