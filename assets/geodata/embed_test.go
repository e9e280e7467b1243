package geodata

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADME fails when an embedded file is not described in README.md or
// a licence file it links to is missing.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ents, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 4 {
		t.Errorf("FS holds %d files, want 4", len(ents))
	}
	for _, e := range ents {
		if !strings.Contains(string(readme), "`"+e.Name()+"`") {
			t.Errorf("%s is embedded but not described in README.md", e.Name())
		}
	}
	links := regexp.MustCompile(`\]\((\.\./LICENSES/[^)]+)\)`).FindAllStringSubmatch(string(readme), -1)
	if len(links) < 4 {
		t.Errorf("README links %d licence files, want at least 4", len(links))
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.FromSlash(l[1])); err != nil {
			t.Errorf("README links %s: %v", l[1], err)
		}
	}
}

// TestVersions checks VERSIONS records every input with checksum, licence
// and (for the IP data) the data date.
func TestVersions(t *testing.T) {
	b, err := fs.ReadFile(FS, "VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"country.package", "country.version", "country.sha256", "country.integrity", "country.date", "country.licence",
		"asn.package", "asn.version", "asn.sha256", "asn.integrity", "asn.date", "asn.licence",
		"points.package", "points.version", "points.sha256", "points.integrity", "points.licence",
	} {
		if !strings.Contains(string(b), "\n"+key+"=") {
			t.Errorf("VERSIONS has no %s", key)
		}
	}
}
