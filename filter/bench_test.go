package filter

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

// BenchmarkKeep filters events from 50,000 sources and 50 user agents
// through a window and rules of each kind, none matching: the cost the
// filter adds per event.
func BenchmarkKeep(b *testing.B) {
	for _, bc := range []struct {
		name  string
		rules []string
	}{
		{"window", nil},
		{"cidr", []string{"192.0.2.0/24", "198.51.100.7"}},
		{"asn", []string{"AS64496"}},
		{"ua", []string{"ua:^never-matches"}},
		{"all", []string{"192.0.2.0/24", "AS64496", "ua:^never-matches"}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchKeep(b, bc.rules) })
	}
}

func benchKeep(b *testing.B, specs []string) {
	// One event, as the pipeline hands over one hot event at a time;
	// sources and agents cycle through arrays read in order.
	const sources = 50000
	addrs := make([]netip.Addr, sources)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{100, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	// Visit the sources in a scattered order, as a log does.
	for i := range addrs {
		j := (i * 7919) % sources
		addrs[i], addrs[j] = addrs[j], addrs[i]
	}
	uas := make([]string, 50)
	for i := range uas {
		uas[i] = fmt.Sprintf("aws-cli/2.%d.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12", i)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := ingest.Event{Pos: ingest.Pos{File: "s3access.log"}}
	w, _ := ParseWindow("2000-01-01", "", "", time.Time{})
	rules, err := ParseRules(specs)
	if err != nil {
		b.Fatal(err)
	}
	// An AS of 4,000 ranges, none holding a source.
	as := &fakeAS{asn: map[netip.Addr]uint32{}, def: 64500}
	for i := range 4000 {
		as.asn[netip.AddrFrom4([4]byte{byte(1 + i%90), byte(i / 90), 7, 0})] = 64496
	}
	f := New(w, rules, func() ASData { return as })
	tl := f.NewTally()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ev.Time = t0.Add(time.Duration(i) * time.Second)
		ev.Source = addrs[i%sources]
		ev.UserAgent = uas[i%len(uas)]
		if !tl.Keep(&ev) {
			b.Fatal("left out")
		}
	}
}
