package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/filter"
	"github.com/honeyreport/honeyreport/ingest"
)

const athenaUsage = `Usage: honeyreport athena-sql --bucket NAME [flags]

Prints the SQL (Athena engine v3) that selects the S3 events on one
bucket from the standard CloudTrail table, with the columns honeyreport
reads. Run it in Athena, download the result CSV, and read that with
"honeyreport report RESULT.csv" (format athena-cloudtrail, detected from
its header). For trails too large to download.

Athena bills by the bytes a query scans. On a table partitioned by day
(AWS's partition-projection table for CloudTrail, whose "timestamp"
partition is the yyyy/MM/dd of the delivery folder), --partition
timestamp bounds the partitions too, so only the window's days are read.

Flags:
`

func cmdAthenaSQL(_ context.Context, args []string, e *env) error {
	fs := newFlagSet("athena-sql", athenaUsage, args, e)
	var table, bucket, since, until, window, partition string
	fs.StringVar(&table, "table", "cloudtrail_logs", "the CloudTrail `TABLE` in Athena (TABLE or DATABASE.TABLE)")
	fs.StringVar(&bucket, "bucket", "", "the honeybucket's `NAME` (required)")
	fs.StringVar(&since, "since", "", "select events from `TIME` on: as report's --since")
	fs.StringVar(&until, "until", "", "select events up to `TIME`: as report's --until")
	fs.StringVar(&window, "window", "", "select the previous complete UTC `PERIOD`: as report's --window")
	fs.StringVar(&partition, "partition", "", "the table's day partition `COLUMN` (yyyy/MM/dd, e.g. timestamp with AWS's partition projection): bound it by the window too")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("athena-sql takes no arguments (got %q)", rest[0])
	}
	now, err := generationTime(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	win, err := filter.ParseWindow(since, until, window, now)
	if err != nil {
		return usagef("%v", err)
	}
	sql, err := athenaSQL(table, bucket, partition, win)
	if err != nil {
		return usagef("%v", err)
	}
	_, err = fmt.Fprint(e.stdout, sql)
	return err
}

var (
	sqlTable  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)
	sqlColumn = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// S3's bucket naming rules: nothing in a valid name needs quoting
	// in SQL, so no user text is ever escaped into the query.
	s3BucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// athenaSQL is the query: the columns of ingest.AthenaColumns, the
// identity's struct fields flattened, from S3 events whose
// requestParameters name bucket, in the window, oldest first. eventTime
// is an ISO 8601 string in the CloudTrail table, so bounds compare as
// text. partition, when given, is a yyyy/MM/dd day partition bounded by
// the window as well, so Athena reads only those days' files.
func athenaSQL(table, bucket, partition string, win filter.Window) (string, error) {
	if !sqlTable.MatchString(table) {
		return "", fmt.Errorf("--table %q: want TABLE or DATABASE.TABLE (letters, digits, _)", table)
	}
	if partition != "" && !sqlColumn.MatchString(partition) {
		return "", fmt.Errorf("--partition %q: want a column name (letters, digits, _)", partition)
	}
	if bucket == "" {
		return "", fmt.Errorf("--bucket: the honeybucket's name is required")
	}
	if !s3BucketName.MatchString(bucket) || strings.Contains(bucket, "..") {
		return "", fmt.Errorf("--bucket %q: not an S3 bucket name", bucket)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- honeyreport athena-sql: S3 events on bucket %s", bucket)
	if !win.IsZero() {
		fmt.Fprintf(&b, ", %s", win.Label)
	}
	b.WriteString("\n-- Download the result CSV and run: honeyreport report RESULT.csv\nSELECT\n")
	for i, c := range ingest.AthenaColumns {
		expr := c
		if f, ok := strings.CutPrefix(c, "useridentity_"); ok {
			expr = "useridentity." + f + " AS " + c
		}
		sep := ","
		if i == len(ingest.AthenaColumns)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s%s\n", expr, sep)
	}
	fmt.Fprintf(&b, "FROM %s\nWHERE eventsource = 's3.amazonaws.com'\n  AND json_extract_scalar(requestparameters, '$.bucketName') = '%s'\n", table, bucket)
	// A file is delivered into the folder of a day at or after its
	// events' (every few minutes, so at most the next day across
	// midnight): the partition bounds run from the window's first day to
	// the day after its last. "timestamp" is a reserved word: the column
	// is always quoted.
	const day = "2006/01/02"
	if partition != "" && !win.Since.IsZero() {
		fmt.Fprintf(&b, "  AND \"%s\" >= '%s'\n", partition, win.Since.UTC().Format(day))
	}
	if partition != "" && !win.Until.IsZero() {
		lastDay := win.Until.UTC().Add(-time.Nanosecond)
		fmt.Fprintf(&b, "  AND \"%s\" <= '%s'\n", partition, lastDay.AddDate(0, 0, 1).Format(day))
	}
	if !win.Since.IsZero() {
		fmt.Fprintf(&b, "  AND eventtime >= '%s'\n", win.Since.UTC().Format(time.RFC3339))
	}
	if !win.Until.IsZero() {
		fmt.Fprintf(&b, "  AND eventtime < '%s'\n", win.Until.UTC().Format(time.RFC3339))
	}
	b.WriteString("ORDER BY eventtime\n")
	return b.String(), nil
}
