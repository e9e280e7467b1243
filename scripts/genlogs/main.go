// Command genlogs writes a synthetic honeybucket event stream in every input
// format honeyreport reads, with the counts a correct parser must find. It
// makes the benchmark inputs and the embedded demo sample.
//
// Usage:
//
//	go run ./scripts/genlogs -events N -ips K -out DIR [-seed S] [-formats LIST]
//	go run ./scripts/genlogs -demo [-out demo]
//
// The first form writes, for the formats listed (default all):
//
//	DIR/breachinsider.txt    BreachInsider dashboard dump, newest first
//	DIR/breachinsider.csv    BreachInsider CSV export
//	DIR/cloudtrail/AWSLogs/  CloudTrail delivery tree of .json.gz files
//	DIR/s3access.log         S3 server access log
//	DIR/expected.json        events, attempts, unique IPs, per-operation counts
//
// The same seed and flags give byte-identical files. With -demo it writes
// the embedded demo sample (synth.DemoConfig) to DIR/honeybucket-demo.txt.gz;
// `go generate ./demo` runs it.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/honeyreport/honeyreport/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genlogs:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

// DemoFile is the demo sample's file name inside the demo package.
const DemoFile = "honeybucket-demo.txt.gz"

var allFormats = []string{"breachinsider", "csv", "cloudtrail", "s3access"}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("genlogs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		events  = fs.Int("events", 100_000, "number of events")
		ips     = fs.Int("ips", 0, "distinct source addresses (default events/20)")
		seed    = fs.Uint64("seed", 1, "random seed; the same seed gives the same files")
		out     = fs.String("out", "", "output directory (default \"demo\" with -demo)")
		formats = fs.String("formats", strings.Join(allFormats, ","), "formats to write, comma-separated: "+strings.Join(allFormats, ", "))
		start   = fs.String("start", synth.DefaultStart.Format(time.DateOnly), "first day of the span (UTC)")
		end     = fs.String("end", synth.DefaultEnd.Format(time.DateOnly), "day after the span (UTC)")
		bucket  = fs.String("bucket", synth.DefaultBucket, "honeybucket name")
		ipv6    = fs.Float64("ipv6", synth.DefaultIPv6Share, "share of distinct addresses that are IPv6 (0 for none)")
		demo    = fs.Bool("demo", false, "write the embedded demo sample instead")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if *demo {
		dir := *out
		if dir == "" {
			dir = "demo"
		}
		return writeDemo(filepath.Join(dir, DemoFile))
	}
	if *out == "" {
		return usageError{errors.New("-out is required")}
	}
	cfg := synth.Config{Events: *events, IPs: *ips, Seed: *seed, Bucket: *bucket, IPv6Share: *ipv6}
	if *ipv6 == 0 {
		cfg.IPv6Share = -1
	}
	var err error
	if cfg.Start, err = time.Parse(time.DateOnly, *start); err != nil {
		return usageError{fmt.Errorf("-start: %w", err)}
	}
	if cfg.End, err = time.Parse(time.DateOnly, *end); err != nil {
		return usageError{fmt.Errorf("-end: %w", err)}
	}
	want := map[string]bool{}
	for f := range strings.SplitSeq(*formats, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ok := false
		for _, a := range allFormats {
			ok = ok || a == f
		}
		if !ok {
			return usageError{fmt.Errorf("unknown format %q (want %s)", f, strings.Join(allFormats, ", "))}
		}
		want[f] = true
	}
	g, err := synth.New(cfg)
	if err != nil {
		return usageError{err}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}

	began := time.Now()
	// Each format is its own pass over the stream; running them side by
	// side uses both cores of a small machine.
	var eg errgroup.Group
	var exp synth.Expected
	eg.Go(func() error {
		exp = g.Expected()
		return writeJSON(filepath.Join(*out, "expected.json"), exp)
	})
	if want["breachinsider"] {
		eg.Go(func() error {
			return writeFile(filepath.Join(*out, "breachinsider.txt"), func(w io.Writer) error {
				return synth.WriteBreachInsider(w, g.Descending())
			})
		})
	}
	if want["csv"] {
		eg.Go(func() error {
			return writeFile(filepath.Join(*out, "breachinsider.csv"), func(w io.Writer) error {
				return synth.WriteBreachCSV(w, g.Descending())
			})
		})
	}
	if want["s3access"] {
		eg.Go(func() error {
			return writeFile(filepath.Join(*out, "s3access.log"), func(w io.Writer) error {
				return synth.WriteS3Access(w, g.Ascending(), g.OwnerID())
			})
		})
	}
	var files int
	if want["cloudtrail"] {
		eg.Go(func() error {
			dir := filepath.Join(*out, "cloudtrail")
			// Stale files from an earlier run with other flags would be
			// parsed with the new ones and break the expected counts.
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			var err error
			files, err = synth.WriteCloudTrailTree(dir, g.Ascending())
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "genlogs: %d events, %d unique IPs (%d IPv6), %d attempts", exp.Events, exp.UniqueIPs, exp.IPv6, exp.Attempts)
	if want["cloudtrail"] {
		fmt.Fprintf(stderr, ", %d CloudTrail files", files)
	}
	fmt.Fprintf(stderr, " in %s -> %s\n", time.Since(began).Round(time.Millisecond), *out)
	return nil
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	return writeFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// writeDemo writes the demo sample gzip-compressed, without a file name or
// modification time in the gzip header, so regenerating it changes no byte.
func writeDemo(path string) error {
	g, err := synth.New(synth.DemoConfig())
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		zw, err := gzip.NewWriterLevel(bw, gzip.BestCompression)
		if err != nil {
			return err
		}
		if err := synth.WriteBreachInsider(zw, g.Descending()); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		return bw.Flush()
	})
}
