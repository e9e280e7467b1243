package s3test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/synth"
)

// Layout of the generated trees: two accounts (one under an
// organisation, as an organisation trail writes it) and two regions.
var (
	Accounts = []string{"111111111111", "222222222222"}
	Regions  = []string{"eu-west-1", "us-east-1"}
	// OrgPrefix is the organisation folder the first account's trail
	// lies under.
	OrgPrefix = "o-exampleorg1/"
)

// Bucket names the trees are written under.
const (
	TrailBucket = "trail"
	LogBucket   = "logs"
	HoneyBucket = "acme-honeybucket"
)

// TreeConfig sizes the trees.
type TreeConfig struct {
	Start time.Time
	Days  int
	// Events per tree: each of the four CloudTrail trees (account ×
	// region), and each of the access-log trees.
	Events int
	Seed   uint64
}

// WriteTrees writes, below dir (one folder per bucket):
//
//	trail/AWSLogs/o-exampleorg1/111111111111/CloudTrail/REGION/YYYY/MM/DD/…json.gz
//	trail/AWSLogs/222222222222/CloudTrail/REGION/YYYY/MM/DD/…json.gz
//	logs/access/YYYY-MM-DD-hh-mm-ss-UNIQUE                  (one object per hour, 5×Events)
//	logs/partitioned/ACCOUNT/REGION/acme-honeybucket/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-UNIQUE
//
// Access-log objects are dated as S3 delivers them, after their last
// event: by between 10 minutes and 3 hours.
func WriteTrees(dir string, cfg TreeConfig) error {
	if err := WriteTrail(dir, cfg); err != nil {
		return err
	}
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	g, err := synth.New(synth.Config{Events: 5 * cfg.Events, Seed: cfg.Seed + 100, Start: cfg.Start, End: end, Bucket: HoneyBucket, Account: Accounts[0], Region: Regions[0]})
	if err != nil {
		return err
	}
	if err := writeAccessLogs(filepath.Join(dir, LogBucket, "access"), "", g.Ascending()); err != nil {
		return err
	}
	for i, acct := range Accounts {
		for j, region := range Regions {
			g, err := synth.New(synth.Config{Events: cfg.Events / 4, Seed: cfg.Seed + 200 + uint64(10*i+j), Start: cfg.Start, End: end, Bucket: HoneyBucket, Account: acct, Region: region})
			if err != nil {
				return err
			}
			part := filepath.Join(dir, LogBucket, "partitioned", acct, region, HoneyBucket)
			if err := writeAccessLogs(part, "2006/01/02", g.Ascending()); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteTrail writes the trail bucket of WriteTrees alone.
func WriteTrail(dir string, cfg TreeConfig) error {
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	for i, acct := range Accounts {
		for j, region := range Regions {
			g, err := synth.New(synth.Config{Events: cfg.Events, Seed: cfg.Seed + uint64(10*i+j), Start: cfg.Start, End: end, Bucket: HoneyBucket, Account: acct, Region: region})
			if err != nil {
				return err
			}
			if _, err := synth.WriteCloudTrailTree(filepath.Join(dir, TrailBucket), g.Ascending()); err != nil {
				return err
			}
		}
	}
	org := filepath.Join(dir, TrailBucket, "AWSLogs", OrgPrefix)
	if err := os.MkdirAll(org, 0o755); err != nil {
		return err
	}
	return os.Rename(filepath.Join(dir, TrailBucket, "AWSLogs", Accounts[0]), filepath.Join(org, Accounts[0]))
}

// writeAccessLogs writes one access-log object per hour of events, named
// by its delivery time, in a day folder (dayDir's layout) when dayDir is
// not empty.
func writeAccessLogs(dir, dayDir string, recs iter.Seq[*synth.Record]) error {
	var buf bytes.Buffer
	var hour time.Time
	n := 0
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		n++
		lag := 10*time.Minute + time.Duration(n*37%170)*time.Minute
		at := hour.Add(time.Hour + lag)
		name := fmt.Sprintf("%s-%016X", at.Format("2006-01-02-15-04-05"), uint64(n)*0x9E3779B97F4A7C15)
		path := filepath.Join(dir, name)
		if dayDir != "" {
			path = filepath.Join(dir, at.Format(dayDir), name)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		err := os.WriteFile(path, buf.Bytes(), 0o644)
		buf.Reset()
		return err
	}
	for r := range recs {
		if h := r.Time.Truncate(time.Hour); !h.Equal(hour) {
			if err := flush(); err != nil {
				return err
			}
			hour = h
		}
		if err := synth.WriteS3Access(&buf, func(yield func(*synth.Record) bool) { yield(r) }, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"); err != nil {
			return err
		}
	}
	return flush()
}

// SplitCloudTrail rewrites every CloudTrail file below dir as files of at
// most per records each, keeping the name's account, region and time:
// AWS delivers files of a few records when a trail is quiet, and a tree
// of many small objects is what listing and request latency cost most on.
func SplitCloudTrail(dir string, per int) (files int, err error) {
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") {
			return err
		}
		var doc struct{ Records []json.RawMessage }
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		zr, err := gzip.NewReader(f)
		if err == nil {
			var b []byte
			if b, err = io.ReadAll(zr); err == nil {
				err = json.Unmarshal(b, &doc)
			}
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		base := strings.TrimSuffix(path, ".json.gz")
		for i := 0; i < len(doc.Records); i += per {
			recs := doc.Records[i:min(i+per, len(doc.Records))]
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			b, _ := json.Marshal(struct{ Records []json.RawMessage }{recs})
			zw.Write(b)
			zw.Close()
			if err := os.WriteFile(fmt.Sprintf("%sp%05d.json.gz", base, i/per), buf.Bytes(), 0o644); err != nil {
				return err
			}
			files++
		}
		return nil
	})
	return files, err
}
