package assets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryFileDocumented fails when a file in assets/ has no entry in
// README.md, or a licence file README.md names is missing: vendored code
// must keep its provenance and licence.
func TestEveryFileDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		if !strings.Contains(string(readme), "| "+e.Name()+" |") {
			t.Errorf("assets/%s has no row in assets/README.md (run scripts/update-assets.sh)", e.Name())
		}
	}
	for _, line := range strings.Split(string(readme), "\n") {
		for _, f := range strings.Fields(strings.NewReplacer(",", " ", ":", " ").Replace(line)) {
			if strings.HasPrefix(f, "LICENSES/") {
				if _, err := os.Stat(filepath.FromSlash(f)); err != nil {
					t.Errorf("assets/README.md names %s: %v", f, err)
				}
			}
		}
	}
	lics, err := os.ReadDir("LICENSES")
	if err != nil {
		t.Fatal(err)
	}
	if len(lics) == 0 {
		t.Error("assets/LICENSES is empty")
	}
}

func TestLoad(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"ECharts": a.ECharts, "TopoJSON": a.TopoJSON, "WorldMap": a.WorldMap, "CSS": a.CSS, "JS": a.JS} {
		if s == "" {
			t.Errorf("%s is empty", name)
		}
		if l := strings.ToLower(s); strings.Contains(l, "</script") || strings.Contains(l, "<!--") || strings.Contains(l, "</style") {
			t.Errorf("%s contains a sequence that would end its inline element", name)
		}
	}
	if !strings.Contains(a.WorldMap, `"Topology"`) {
		t.Error("WorldMap is not TopoJSON")
	}
}
