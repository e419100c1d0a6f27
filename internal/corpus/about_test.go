package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadAbout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string // file "" means no collection.json
		want       string
		wantErr    bool
	}{
		{name: "named", file: `{"name": "  Soviet   ballet on film "}`, want: "Soviet ballet on film"},
		{name: "missing"},
		{name: "no name", file: `{}`},
		{name: "malformed", file: `{"name":`, wantErr: true},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.file != "" {
			if err := os.WriteFile(filepath.Join(dir, AboutFile), []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		a, err := LoadAbout(dir)
		if (err != nil) != tt.wantErr || a.Name != tt.want {
			t.Errorf("%s: LoadAbout = %q, %v; want %q, error %v", tt.name, a.Name, err, tt.want, tt.wantErr)
		}
	}
	// The collection in this repository names itself, and a file path looks beside the file.
	for _, p := range []string{"../../corpus", "../../corpus/soviet-ballet-films.txt"} {
		if a, err := LoadAbout(p); err != nil || a.Name != "Soviet ballet on film" {
			t.Errorf("LoadAbout(%s) = %q, %v; want Soviet ballet on film", p, a.Name, err)
		}
	}
}
