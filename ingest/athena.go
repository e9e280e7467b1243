package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/valyala/fastjson"
)

// athenaDecoder reads the CSV file Athena writes for the query that
// "honeyreport athena-sql" prints: one CloudTrail event a row, under a
// header of the selected columns (lower case, as Athena names them),
// every value in double quotes with quotes doubled, NULL as an empty
// field. The identity's fields come flattened (useridentity_type, ...),
// requestparameters as the JSON text CloudTrail logged. Each row fills
// the record a CloudTrail file's event would, and the CloudTrail decoder
// builds the Event from it, so both give the same events.
type athenaDecoder struct {
	ct      *cloudTrailDecoder
	cr      *csv.Reader
	st      *Stats
	p       fastjson.Parser
	cols    []athenaCol // per field of a row
	nFields int
	started bool
	e       error
}

// athenaCol says where a column's value goes in a ctRecord.
type athenaCol func(r *ctRecord) *[]byte

// athenaColumns maps the query's column names to the record's fields.
var athenaColumns = map[string]athenaCol{
	"eventtime":                func(r *ctRecord) *[]byte { return &r.time },
	"eventsource":              func(r *ctRecord) *[]byte { return &r.source },
	"eventname":                func(r *ctRecord) *[]byte { return &r.name },
	"eventtype":                func(r *ctRecord) *[]byte { return &r.typ },
	"sourceipaddress":          func(r *ctRecord) *[]byte { return &r.ip },
	"useragent":                func(r *ctRecord) *[]byte { return &r.ua },
	"errorcode":                func(r *ctRecord) *[]byte { return &r.errCode },
	"errormessage":             func(r *ctRecord) *[]byte { return &r.errMsg },
	"requestid":                func(r *ctRecord) *[]byte { return &r.reqID },
	"eventid":                  func(r *ctRecord) *[]byte { return &r.id },
	"requestparameters":        func(r *ctRecord) *[]byte { return &r.params.text },
	"useridentity_type":        func(r *ctRecord) *[]byte { return &r.ident.typ },
	"useridentity_principalid": func(r *ctRecord) *[]byte { return &r.ident.principal },
	"useridentity_accountid":   func(r *ctRecord) *[]byte { return &r.ident.account },
	"useridentity_arn":         func(r *ctRecord) *[]byte { return &r.ident.arn },
	"useridentity_username":    func(r *ctRecord) *[]byte { return &r.ident.user },
}

// AthenaColumns are the columns the athena-sql query selects, in its
// order; the reader needs only eventtime, eventsource and eventname.
var AthenaColumns = []string{
	"eventtime", "eventsource", "eventname", "eventtype", "sourceipaddress", "useragent",
	"errorcode", "errormessage", "requestparameters", "requestid", "eventid",
	"useridentity_type", "useridentity_principalid", "useridentity_accountid", "useridentity_arn", "useridentity_username",
}

var athenaRequired = []string{"eventtime", "eventsource", "eventname"}

func newAthenaDecoder(r io.Reader, st *Stats) decoder {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, to say which row is short
	cr.ReuseRecord = true
	ct := &cloudTrailDecoder{st: st}
	ct.in.sanitize = true // CSV holds bytes, not JSON's checked strings
	return &athenaDecoder{ct: ct, cr: cr, st: st}
}

// sniffAthena reports whether the first line of head is the header of
// an athena-sql result.
func sniffAthena(head []byte) bool {
	line := trimBOM(head)
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.ToLower(line)
	for _, c := range athenaRequired {
		if !bytes.Contains(line, []byte(c)) {
			return false
		}
	}
	return bytes.IndexByte(line, ',') >= 0 && !bytes.Contains(line, []byte("{"))
}

func (d *athenaDecoder) err() error { return d.e }

func (d *athenaDecoder) header() bool {
	d.started = true
	rec, err := d.cr.Read()
	if err != nil {
		if err == io.EOF {
			err = errors.New("no header row")
		}
		d.e = fmt.Errorf("%s: header row: %w", d.st.File, err)
		return false
	}
	d.nFields = len(rec)
	d.cols = make([]athenaCol, len(rec))
	seen := map[string]bool{}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF")))
		if !seen[name] {
			d.cols[i] = athenaColumns[name]
			seen[name] = true
		}
	}
	var missing []string
	for _, c := range athenaRequired {
		if !seen[c] {
			missing = append(missing, fmt.Sprintf("%q", c))
		}
	}
	if missing != nil {
		d.e = fmt.Errorf("%s: header row lacks required column(s) %s", d.st.File, strings.Join(missing, ", "))
		return false
	}
	return true
}

func (d *athenaDecoder) next(ev *Event) bool {
	if !d.started && !d.header() {
		return false
	}
	for {
		rec, err := d.cr.Read()
		if err == io.EOF {
			return false
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			d.st.Skip(pe.StartLine, "bad csv row", fmt.Sprintf("bad CSV row: %v", pe.Err))
			continue
		}
		if err != nil {
			d.e = err // the stream's own error: the reader names the file
			return false
		}
		line, _ := d.cr.FieldPos(0)
		if len(rec) != d.nFields {
			d.st.Skip(line, "wrong field count", fmt.Sprintf("row has %d fields, the header %d", len(rec), d.nFields))
			continue
		}
		if d.row(rec, line) && d.ct.build(line, ev) {
			return true
		}
	}
}

// row fills the CloudTrail decoder's record from rec.
func (d *athenaDecoder) row(rec []string, line int) bool {
	r := &d.ct.rec
	*r = ctRecord{}
	for i, v := range rec {
		if d.cols[i] == nil || v == "" {
			continue // NULL
		}
		*d.cols[i](r) = []byte(v)
	}
	if text := r.params.text; text != nil {
		v, err := d.p.ParseBytes(text)
		switch {
		case err != nil:
			warnKept(d.st, fieldWarning{line, "invalid JSON", fmt.Sprintf("requestparameters is not valid JSON, kept as text: %v", err)})
		case v.Type() == fastjson.TypeObject:
			v.GetObject().Visit(func(key []byte, v *fastjson.Value) {
				if f := r.params.slot(key); f != nil {
					*f = d.ct.strBytes("requestParameters.", key, v)
				}
			})
		case v.Type() != fastjson.TypeNull:
			r.wrongType("requestParameters", nil, v.Type().String())
		}
	}
	return true
}
