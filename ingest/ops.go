package ingest

import (
	_ "embed"
	"fmt"
	"strings"
)

// s3OpsTSV maps access log operations and API names to the API name an
// event counts under; its header says where each row comes from.
//
//go:embed s3ops.tsv
var s3OpsTSV string

// opClass is what an operation does to the bucket.
type opClass uint8

const (
	opUnclassified opClass = iota // not in the table
	opRead
	opWrite
	opAWS // S3's own work (lifecycle), not a request from outside
)

// opRow is one access log operation: the API it stands for, and the one
// for a request that names an object key when that differs.
type opRow struct {
	name        string // as logged, if that differs from api
	api, keyAPI Operation
}

// opTable is s3ops.tsv, parsed. It is read-only once built.
type opTable struct {
	logOps map[string]opRow      // access log Operation value → API
	apis   map[string]Operation  // API name or other spelling → API
	folded map[string]Operation  // the same, keys in lower case
	class  map[Operation]opClass // every API name counted
}

// opTab is the parsed table. It is read-only: every decoder and every
// classification reads it, so it is built once, when the program starts.
var opTab = mustParseOpTable(s3OpsTSV)

func mustParseOpTable(text string) *opTable {
	t, err := parseOpTable(text)
	if err != nil {
		panic("ingest: s3ops.tsv: " + err.Error()) // embedded and tested: cannot happen in a built binary
	}
	return t
}

func parseOpTable(text string) (*opTable, error) {
	t := &opTable{
		logOps: make(map[string]opRow), apis: make(map[string]Operation),
		folded: make(map[string]Operation), class: make(map[Operation]opClass),
	}
	header := false
	for n, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: %d columns, want 4", n+1, len(f))
		}
		if !header {
			if strings.Join(f, " ") != "name api key_api class" {
				return nil, fmt.Errorf("line %d: header %q, want name, api, key_api, class", n+1, line)
			}
			header = true
			continue
		}
		name, api, keyAPI := f[0], Operation(f[1]), Operation(f[2])
		if keyAPI == "-" {
			keyAPI = ""
		}
		var c opClass
		switch f[3] {
		case "read":
			c = opRead
		case "write":
			c = opWrite
		case "aws":
			c = opAWS
		default:
			return nil, fmt.Errorf("line %d: class %q, want read, write or aws", n+1, f[3])
		}
		if name == "" || api == "" {
			return nil, fmt.Errorf("line %d: empty name or api", n+1)
		}
		for _, a := range []Operation{api, keyAPI} {
			if a == "" {
				continue
			}
			if old, ok := t.class[a]; ok && old != c {
				return nil, fmt.Errorf("line %d: %s is %s here but not on an earlier line", n+1, a, f[3])
			}
			t.class[a] = c
		}
		if strings.Contains(name, ".") {
			if _, dup := t.logOps[name]; dup {
				return nil, fmt.Errorf("line %d: %s listed twice", n+1, name)
			}
			raw := name
			if Operation(name) == api && keyAPI == "" {
				raw = "" // S3's own operations have no API name
			}
			t.logOps[name] = opRow{raw, api, keyAPI}
			continue
		}
		if keyAPI != "" {
			return nil, fmt.Errorf("line %d: API name %s with a key_api", n+1, name)
		}
		if old, dup := t.apis[name]; dup && old != api {
			return nil, fmt.Errorf("line %d: %s listed twice", n+1, name)
		}
		t.apis[name] = api
	}
	if !header {
		return nil, fmt.Errorf("no header")
	}
	// Every API name counted is also a spelling of itself.
	for a := range t.class {
		if _, ok := t.apis[string(a)]; !ok {
			t.apis[string(a)] = a
		}
	}
	for name, a := range t.apis {
		t.folded[strings.ToLower(name)] = a
	}
	return t, nil
}

// logOp returns the row of an S3 access log operation (REST.GET.VERSIONING);
// ok is false for one not in the table.
func (t *opTable) logOp(op []byte) (r opRow, ok bool) {
	r, ok = t.logOps[string(op)]
	return r, ok
}

// forKey is the API the row stands for, for a request that named an object
// key or not.
func (r *opRow) forKey(hasKey bool) Operation {
	if hasKey && r.keyAPI != "" {
		return r.keyAPI
	}
	return r.api
}

// apiName maps an API name as a CloudTrail-style log writes it to the name
// counted: exactly, else ignoring ASCII case. ok is false for a name not
// in the table.
func (t *opTable) apiName(b []byte) (Operation, bool) {
	if op, ok := t.apis[string(b)]; ok {
		return op, true
	}
	if len(b) > 64 {
		return "", false
	}
	var buf [64]byte
	low := buf[:len(b)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	op, ok := t.folded[string(low)]
	return op, ok
}
