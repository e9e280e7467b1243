package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeBoth reads in twice, with and without the CloudTrail fast path.
func decodeBoth(t testing.TB, in []byte) (fast, slow []Event, fs, ss Stats) {
	read := func(fast bool) ([]Event, Stats) {
		st := &Stats{File: "x", Format: FormatCloudTrail}
		d := newCloudTrailDecoder(bytes.NewReader(in), st).(*cloudTrailDecoder)
		var evs []Event
		for {
			var ev Event
			if !d.read(&ev, fast) {
				break
			}
			evs = append(evs, ev)
		}
		st.Err = d.err()
		return evs, *st
	}
	fast, fs = read(true)
	slow, ss = read(false)
	return
}

func sameStats(a, b Stats) bool {
	ea, eb := "", ""
	if a.Err != nil {
		ea = a.Err.Error()
	}
	if b.Err != nil {
		eb = b.Err.Error()
	}
	return a.Events == b.Events && a.Skipped == b.Skipped && a.Filtered == b.Filtered &&
		reflect.DeepEqual(a.Reasons, b.Reasons) && reflect.DeepEqual(a.Errors, b.Errors) && ea == eb
}

// FuzzCloudTrailFastPath checks that the fast path and fastjson give the
// same events and problems for any input: the fast path may only decline.
func FuzzCloudTrailFastPath(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "cloudtrail", "*.json*"))
	more, _ := filepath.Glob(filepath.Join("testdata", "cloudtrail", "*.ndjson"))
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil && !bytes.HasSuffix([]byte(name), []byte(".gz")) {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","eventName":"GetObject","sourceIPAddress":"192.0.2.1","userAgent":"[x]","requestParameters":{"bucketName":"b","key":"k\u0041"},"userIdentity":{"type":"AWSAccount","accountId":"1"}}`,
		`{"eventSource":"s3.amazonaws.com","@timestamp":"2022-01-01T00:00:00Z","eventTime":null,"eventName":"ListObjects","requestParameters":{"bucketName":"b", "Host":"h"},"userIdentity":null}`,
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","eventName":"PutObject","sourceIPAddress":"s3.amazonaws.com","requestParameters":{"n":-1.5e3,"a":[true,false,null,{}],"key":""},"userIdentity":{"arn":"arn:aws:iam::1:user/x","arn":"y"}}`,
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","eventName":"Get\"Object","userAgent":"ua\\x"}`,
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","requestParameters":{"key":01}}`,
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","sourceIPAddress":{"a":1},"errorCode":403,"userIdentity":"x","requestParameters":[true],"userAgent":false}`,
		`{"eventSource":"s3.amazonaws.com","eventTime":"2022-01-01T00:00:00Z","userIdentity":{"arn":[1]},"userIdentity":{"arn":2},"requestParameters":{"key":{}},"requestParameters":null}`,
		`{"Records":[{"eventSource":"s3.amazonaws.com","eventTime":"0001-01-01T00:00:00Z"}],"Records":[{"eventSource":7}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fast, slow, fs, ss := decodeBoth(t, in)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("events differ:\nfast %+v\nslow %+v", fast, slow)
		}
		if !sameStats(fs, ss) {
			t.Fatalf("stats differ:\nfast %+v\nslow %+v", fs, ss)
		}
	})
}

// TestCloudTrailFastPathTaken makes sure the fast path is not silently
// declining everything: compact AWS records must go through it, alone and
// in a Records array.
func TestCloudTrailFastPathTaken(t *testing.T) {
	rec := bytes.TrimSpace(benchEvent(1, "eventTime"))
	d := newCloudTrailDecoder(bytes.NewReader(nil), &Stats{}).(*cloudTrailDecoder)
	if !d.scanWhole(rec) {
		t.Fatalf("fast path declined a plain record: %s", rec)
	}
	records := compactRecords(50)
	d = newCloudTrailDecoder(bytes.NewReader(records), &Stats{}).(*cloudTrailDecoder)
	fast := 0
	for {
		rec, _, ok := d.nextRecord(true)
		if !ok {
			break
		}
		if d.scanned {
			fast++
			d.scanned = false
		} else if rec != nil {
			t.Errorf("fast path declined %s", rec)
		}
	}
	if fast != 50 {
		t.Errorf("fast path read %d of 50 records", fast)
	}
}
