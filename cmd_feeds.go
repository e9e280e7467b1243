package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
)

const feedsUsage = `Usage: honeyreport feeds update [flags]

Downloads every blocklist feed that has a url in the config file to its
path (atomically: a failed download keeps the old list). Reports use the
downloaded files offline, with --feed or the config's feeds. See
docs/CONFIG.md.

Before the first download, every path is checked as a report's outputs
are (README.md, "Output files"): a device, a directory or two feeds
sharing a path is a usage error (exit status 2), as is a bad config file.

Flags:
`

func cmdFeeds(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("feeds", feedsUsage, args, e)
	configPath := fs.String("config", "", "config `FILE` (default: the per-user config dir's honeyreport/config.yaml)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up on a feed download after `DURATION`")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "update" {
		fs.Usage()
		return usagef("feeds: the only subcommand is update")
	}
	cfg, err := loadConfig(*configPath, e)
	if err != nil {
		return usagef("%v", err)
	}
	// Each download replaces its path: the paths are checked like any
	// output before the first download.
	var plan output.Plan
	if *configPath != "" {
		plan.AddInput(*configPath)
	} else if def, err := enrich.DefaultConfigPath(); err == nil {
		plan.AddInput(def)
	}
	n := 0
	for _, fc := range cfg.Feeds {
		if fc.URL == "" {
			continue
		}
		n++
		if fc.Path == "" {
			continue // UpdateFeeds says so
		}
		if err := plan.AddOutput(fmt.Sprintf("feed %q: path", fc.Name), fc.Path); err != nil {
			return usagef("%v", err)
		}
	}
	if n == 0 {
		return fmt.Errorf("no feed with a url in the config; see docs/CONFIG.md")
	}
	// Each failed feed is said once, in the error: the run's exit status
	// and its last lines name them.
	ups, err := enrich.UpdateFeeds(ctx, cfg.Feeds, &http.Client{Timeout: *timeout})
	for _, u := range ups {
		if u.Err == nil {
			fmt.Fprintf(e.stdout, "%s: %d entries, %s -> %s\n", u.Name, u.Entries, report.ByteSize(u.Bytes), u.Path)
		}
	}
	return err
}
