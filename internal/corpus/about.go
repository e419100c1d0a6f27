package corpus

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AboutFile is the optional file of a corpus directory that names the collection.
const AboutFile = "collection.json"

// About is what a collection says of itself in AboutFile: {"name": "Soviet ballet on film"}.
// Its introduction comes from the films' files (see Collection.Intro).
type About struct {
	Name string `json:"name"`
}

// LoadAbout reads AboutFile from dir (or from the directory of dir when it is a file). A missing
// file is a zero About and no error; an unreadable or malformed one is an error.
func LoadAbout(dir string) (About, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	path := filepath.Join(dir, AboutFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return About{}, nil
	}
	if err != nil {
		return About{}, fmt.Errorf("load %s: %w", path, err)
	}
	var a About
	if err := json.Unmarshal(data, &a); err != nil {
		return About{}, fmt.Errorf("load %s: %w", path, err)
	}
	a.Name = strings.Join(strings.Fields(a.Name), " ")
	return a, nil
}
