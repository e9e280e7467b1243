package ingest

import (
	"fmt"

	"github.com/valyala/fastjson"
)

// The fallback for CloudTrail records: fastjson reads every record the fast
// path (cloudtrail_fast.go) declines, into the same ctRecord.

// parse reads rec into d.rec with fastjson: the path for every record the
// fast path declines, and the judge of what is valid JSON.
func (d *cloudTrailDecoder) parse(rec []byte, line int) bool {
	v, err := d.p.ParseBytes(rec)
	if err != nil {
		d.st.Skip(line, "invalid JSON", fmt.Sprintf("invalid JSON: %v", err))
		return false
	}
	o, err := v.Object()
	if err != nil {
		d.st.Skip(line, "not an object", fmt.Sprintf("record is JSON %s, not an object", v.Type()))
		return false
	}
	r := &d.rec
	*r = ctRecord{}
	d.identV, d.paramsV = nil, nil
	o.Visit(d.visitTop)
	if d.identV != nil {
		switch t := d.identV.Type(); t {
		case fastjson.TypeObject:
			d.identV.GetObject().Visit(d.visitIdent)
		case fastjson.TypeNull:
		default:
			r.wrongType("userIdentity", nil, t.String())
		}
	}
	if d.paramsV != nil && d.paramsV.Type() != fastjson.TypeObject && d.paramsV.Type() != fastjson.TypeNull {
		r.wrongType("requestParameters", nil, d.paramsV.Type().String())
	}
	if d.paramsV != nil && d.paramsV.Type() == fastjson.TypeObject {
		// Marshal before reading the fields: reading unescapes strings in
		// place, and the raw text is what the log said.
		d.paramsText = d.paramsV.MarshalTo(d.paramsText[:0])
		r.params.text = d.paramsText
		d.paramsV.GetObject().Visit(d.visitParam)
	}
	return true
}

// top handles one key of an event object on the fastjson path.
func (d *cloudTrailDecoder) top(key []byte, v *fastjson.Value) {
	r := &d.rec
	switch string(key) {
	case "@timestamp":
		if r.time != nil {
			return // eventTime wins
		}
	case "requestParameters":
		d.paramsV = v
	case "userIdentity":
		d.identV = v
	case "digestStartTime", "digestEndTime":
		r.digest = true
	}
	if f := r.slot(key); f != nil {
		*f = d.strBytes("", key, v)
	}
}

func (d *cloudTrailDecoder) ident(key []byte, v *fastjson.Value) {
	if f := d.rec.ident.slot(key); f != nil {
		*f = d.strBytes("userIdentity.", key, v)
	}
}

func (d *cloudTrailDecoder) param(key []byte, v *fastjson.Value) {
	if f := d.rec.params.slot(key); f != nil {
		*f = d.strBytes("requestParameters.", key, v)
	}
}

// strBytes returns a string value's bytes, or nil for other types, which
// are recorded as wrong unless null.
func (d *cloudTrailDecoder) strBytes(prefix string, key []byte, v *fastjson.Value) []byte {
	switch t := v.Type(); t {
	case fastjson.TypeString:
	case fastjson.TypeNull:
		return nil
	default:
		d.rec.wrongType(prefix, key, t.String())
		return nil
	}
	b, _ := v.StringBytes()
	if b == nil {
		b = []byte{}
	}
	return b
}
