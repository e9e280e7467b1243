package synth

import (
	"math/rand/v2"
	"net/url"
	"strings"
)

// request is a prepared request shape: its parameters and the texts each
// format derives from them, built once per Generator so that generating an
// event copies string headers instead of formatting strings.
type request struct {
	op     string
	host   string
	key    string
	params []Param
	py     string // python-dict text, as BreachInsider shows it
	uri    string // S3 access log Request-URI, quoted field without quotes
	s3op   string // S3 access log operation
	// objectLevel is true when the request names a key.
	objectLevel bool
}

// templates holds every request shape, indexed by host variant.
type templates struct {
	hostWeights []float64
	head        [][]*request // [host][variant]
	listPlain   [][]*request
	listSDK     [][]*request
	put         [][]*request
	get         [][]*request
}

// Keys that write probes and downloaders try: proof-of-write files and the
// names scanners hope a backup bucket holds.
var (
	putKeys = []string{"writeable_bucket.txt", "poc.txt", "test.txt", "hello.txt", "s3-write-check.txt", "upload_test"}
	getKeys = []string{"backup.sql", "db/dump.sql.gz", ".env", "config.json", "index.html", "credentials.csv"}
)

func newTemplates(bucket, region string) templates {
	// Host forms seen in real logs: virtual-hosted global and regional
	// endpoints (dot and legacy dash), dual-stack, and path-style.
	hosts := []struct {
		host      string
		pathStyle bool
		weight    float64
	}{
		{bucket + ".s3.amazonaws.com", false, 55},
		{bucket + ".s3." + region + ".amazonaws.com", false, 25},
		{bucket + ".s3-" + region + ".amazonaws.com", false, 5},
		{bucket + ".s3.dualstack." + region + ".amazonaws.com", false, 3},
		{"s3." + region + ".amazonaws.com", true, 8},
		{"s3.amazonaws.com", true, 4},
	}
	var t templates
	for _, h := range hosts {
		t.hostWeights = append(t.hostWeights, h.weight)
		mk := func(op, key string, extra ...Param) *request {
			return newRequest(op, bucket, h.host, h.pathStyle, key, extra)
		}
		t.head = append(t.head, []*request{mk(OpHeadBucket, "")})
		t.listPlain = append(t.listPlain, []*request{
			mk(OpListObjects, ""),
			mk(OpListObjects, ""),
			mk(OpListObjects, "", Param{"encoding-type", "url"}),
			mk(OpListObjects, "", Param{"max-keys", "1000"}, Param{"prefix", "backup"}),
			mk(OpListObjects, "", Param{"prefix", "*"}, Param{"encoding-type", "url"}),
		})
		t.listSDK = append(t.listSDK, []*request{
			mk(OpListObjects, "", Param{"list-type", "2"}, Param{"encoding-type", "url"}),
			mk(OpListObjects, "", Param{"list-type", "2"}, Param{"encoding-type", "url"}),
			mk(OpListObjects, "", Param{"list-type", "2"}, Param{"encoding-type", "url"}),
			mk(OpListObjects, "", Param{"encoding-type", "url"}),
			mk(OpListObjects, "", Param{"list-type", "2"}, Param{"encoding-type", "url"}, Param{"prefix", ""}, Param{"delimiter", "/"}),
			mk(OpListObjects, "", Param{"list-type", "2"}, Param{"max-keys", "0"}, Param{"encoding-type", "url"}, Param{"x-amz-request-payer", "requester"}),
		})
		var put, get []*request
		for _, k := range putKeys {
			put = append(put, mk(OpPutObject, k))
		}
		for _, k := range getKeys {
			get = append(get, mk(OpGetObject, k))
		}
		t.put = append(t.put, put)
		t.get = append(t.get, get)
	}
	return t
}

func (t *templates) pick(r *rand.Rand, op string, sdk bool, host int) *request {
	var set []*request
	switch op {
	case OpHeadBucket:
		set = t.head[host]
	case OpListObjects:
		set = t.listPlain[host]
		if sdk {
			set = t.listSDK[host]
		}
	case OpPutObject:
		set = t.put[host]
	default:
		set = t.get[host]
	}
	return set[r.IntN(len(set))]
}

func newRequest(op, bucket, host string, pathStyle bool, key string, extra []Param) *request {
	req := &request{op: op, host: host, key: key, objectLevel: key != ""}
	// CloudTrail's order: list-type first, then bucketName, the rest, Host.
	var params []Param
	var query []string
	for _, p := range extra {
		if p.Name == "list-type" {
			params = append(params, p)
		}
	}
	params = append(params, Param{"bucketName", bucket}, Param{"Host", host})
	for _, p := range extra {
		if p.Name != "list-type" {
			params = append(params, p)
		}
	}
	for _, p := range extra {
		query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(p.Value))
	}
	if key != "" {
		params = append(params, Param{"key", key})
	}
	req.params = params

	var py strings.Builder
	py.WriteByte('{')
	for i, p := range params {
		if i > 0 {
			py.WriteString(", ")
		}
		py.WriteString("'" + p.Name + "': '" + p.Value + "'")
	}
	py.WriteByte('}')
	req.py = py.String()

	path := "/"
	if pathStyle {
		path = "/" + bucket
		if key != "" {
			path += "/"
		}
	}
	path += (&url.URL{Path: key}).EscapedPath()
	method := "GET"
	switch op {
	case OpHeadBucket:
		method, req.s3op = "HEAD", "REST.HEAD.BUCKET"
	case OpListObjects:
		req.s3op = "REST.GET.BUCKET"
	case OpPutObject:
		method, req.s3op = "PUT", "REST.PUT.OBJECT"
	case OpGetObject:
		req.s3op = "REST.GET.OBJECT"
	}
	if len(query) > 0 {
		path += "?" + strings.Join(query, "&")
	}
	req.uri = method + " " + path + " HTTP/1.1"
	return req
}
