package ingest_test

import (
	"fmt"
	"strings"

	"github.com/honeyreport/honeyreport/ingest"
)

// A Reader detects the format from the content and returns canonical
// events; what it could not parse is in its Stats.
func ExampleNewReader() {
	log := `79a59df9 honey-bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.HEAD.BUCKET - "HEAD /honey-bucket HTTP/1.1" 200 - - - 7 - "-" "curl/8.5.0" -
not a log line
79a59df9 honey-bucket [06/Feb/2019:00:01:57 +0000] 198.51.100.7 - 891CE47D2EXAMPLE REST.PUT.OBJECT secrets.txt "PUT /honey-bucket/secrets.txt HTTP/1.1" 403 AccessDenied 243 - 9 - "-" "Go-http-client/1.1" -
`
	r, err := ingest.NewReader(strings.NewReader(log), "access.log", ingest.FormatAuto)
	if err != nil {
		fmt.Println(err)
		return
	}
	for r.Scan() {
		ev := r.Event()
		fmt.Println(ev.Time.Format("15:04:05"), ev.Source, ev.Op, ev.Key, ev.ErrorCode, ev.UserAgent)
	}
	st := r.Stats()
	fmt.Println(st.Format, st.Events, "events,", st.Skipped, "skipped")
	for _, e := range st.Errors {
		fmt.Println(e)
	}
	// Output:
	// 00:00:38 192.0.2.3 HeadBucket   curl/8.5.0
	// 00:01:57 198.51.100.7 PutObject secrets.txt AccessDenied Go-http-client/1.1
	// s3-access 2 events, 1 skipped
	// access.log:2: 4 fields, want at least 17
}
