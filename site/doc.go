// Package site lays out a published site that keeps its history: one
// folder per period (reports/2026-W48/ with the report, its JSON summary
// and its events), a front page with a table of periods and a trend,
// latest/, history.json, an Atom feed and .nojekyll, every link relative
// so the folder works at a domain root, under a project-site prefix and
// from file://.
//
// It is the last stage of a run with --site: main renders the period's
// files (package report) and Add writes them as one period, replacing
// only that period, then rebuilds the site's own pages from the stored
// summaries alone, never from the logs. Previous finds the summary the
// next period compares with.
package site
