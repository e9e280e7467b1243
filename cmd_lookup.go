package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/honeyreport/honeyreport/report"
)

const lookupUsage = `Usage: honeyreport lookup [flags] IP...

Prints what honeyreport knows about each address: class, country, city and
coordinates (with a city database), ASN and organisation, hosting flag, and
with --whois / --ti / --feed the registration and threat-intelligence
verdicts. A table by default, JSON with --json.

Flags:
`

func cmdLookup(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("lookup", lookupUsage, args, e)
	var f reportFlags
	asJSON := fs.Bool("json", false, "print JSON (one array of profiles) instead of a table")
	f.registerEnrichment(fs)
	f.quiet = true
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		fs.Usage()
		return usagef("no address given")
	}
	var addrs []netip.Addr
	for _, a := range args {
		addr, err := netip.ParseAddr(strings.TrimSpace(a))
		if err != nil {
			return usagef("%q is not an IP address", a)
		}
		addrs = append(addrs, addr.Unmap())
	}
	offline, closeDBs, err := openOffline(&f, e)
	if err != nil {
		return err
	}
	defer closeDBs()
	en, err := enrichAddrs(ctx, &f, e, offline, addrs, nil)
	if err != nil {
		return err
	}
	for _, st := range en.Statuses {
		if st.Failed > 0 {
			fmt.Fprintf(e.stderr, "honeyreport: %s: %d of %d lookups failed: %s\n", st.Source, st.Failed, st.Queried, st.Err)
		}
	}
	if *asJSON {
		out := make([]report.IPProfile, 0, len(addrs))
		for _, a := range addrs {
			p, _ := en.Profiles.Lookup(a)
			out = append(out, report.NewIPProfile(&p, true))
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "IP\tCLASS\tCOUNTRY\tCITY\tLAT,LON\tASN\tORGANISATION\tHOSTING\tSEVERITY")
	for _, a := range addrs {
		p, _ := en.Profiles.Lookup(a)
		j := report.NewIPProfile(&p, true)
		loc := ""
		if j.Lat != nil {
			loc = fmt.Sprintf("%.2f,%.2f", *j.Lat, *j.Lon)
			if !j.Precise {
				loc += " (country)"
			}
		}
		asn := ""
		if j.ASN != 0 {
			asn = "AS" + strconv.FormatUint(uint64(j.ASN), 10)
		}
		country := j.Country
		if j.CountryName != "" {
			country += " " + j.CountryName
		}
		org := j.ASOrg
		if j.WhoisOrg != "" && j.WhoisOrg != org {
			org += " / " + j.WhoisOrg
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.IP, j.IPClass, dash(country), dash(j.City), dash(loc), dash(asn), dash(printable(org)), yesNo(j.Hosting), dash(j.Severity))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printable drops control characters from third-party text (WHOIS) before
// it reaches a terminal, where escape sequences could rewrite the screen.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
