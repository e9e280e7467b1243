package enrich

import (
	"context"
	"net/netip"
	"time"
)

// Plan is what Run consults: the offline data always, the online sources,
// the cache and the feeds when the user asked for them.
type Plan struct {
	Offline *Offline
	// OfflineOnly are more addresses to profile from the offline data
	// alone: a comparison's earlier sources, whose countries and ASNs are
	// wanted, not their reputation.
	OfflineOnly []netip.Addr
	// Online runs in order: bulk IP-to-ASN and WHOIS first, then threat
	// intelligence.
	Online []Online
	// ThreatIntel names the threat-intelligence providers among Online.
	ThreatIntel []string
	Feeds       []FeedConfig
	Cache       *Cache // nil: no caching
	Refresh     bool   // ignore cached answers (fresh ones are still written)
	// Progress and Budget are passed to RunOnline (see OnlineOptions).
	Progress func(source string, done, total int)
	Budget   time.Duration
}

// Enrichment is everything Run found.
type Enrichment struct {
	// Profiles has one profile per distinct address of addrs and
	// Plan.OfflineOnly, in that order.
	Profiles *Profiles
	// Statuses has one Status per source: user databases, then the online
	// sources in Plan order, then the feeds.
	Statuses []Status
	// ThreatIntel names the threat-intelligence sources that ran: the
	// providers asked for, then the feeds as their Source names.
	ThreatIntel []string
	// Sources describes the offline databases, for the report's credits.
	Sources []SourceInfo
	// FeedErr says which feeds could not be loaded; the others still
	// applied.
	FeedErr error
}

// Run builds the profile of every address in addrs: the offline lookups,
// then the online sources (public addresses only), then the feeds; and of
// every address of p.OfflineOnly, from the offline lookups only.
//
// Offline lookups ignore cancellation: they are local and quick, and what
// was read before an interrupt is still reported with its profiles. A
// cancelled ctx stops the online sources, whose Statuses then say so.
// Problems with a source never fail Run; they end up in its Status.
func Run(ctx context.Context, addrs []netip.Addr, p Plan) Enrichment {
	// Without cancellation LookupMany cannot fail.
	all := addrs
	if len(p.OfflineOnly) > 0 {
		all = append(addrs[:len(addrs):len(addrs)], p.OfflineOnly...)
	}
	profiles, _ := p.Offline.LookupMany(context.WithoutCancel(ctx), all, 0)
	en := Enrichment{
		Profiles:    profiles,
		Statuses:    p.Offline.Status(),
		ThreatIntel: append([]string(nil), p.ThreatIntel...),
		Sources:     p.Offline.Sources(),
	}
	if len(p.Online) == 0 && len(p.Feeds) == 0 {
		return en
	}
	// The sources and feeds fill in Profile values; the store takes them
	// back at the end.
	list := make([]*Profile, 0, profiles.Len())
	for _, a := range addrs {
		if pr, ok := profiles.Lookup(a); ok {
			list = append(list, &pr)
		}
	}
	defer func() {
		for _, pr := range list {
			profiles.Set(*pr)
		}
	}()
	if len(p.Online) > 0 {
		// The announced prefix is the best guess of the registered network
		// before WHOIS answers: addresses in one are asked about one at a time.
		announced := make(map[netip.Addr]netip.Prefix, len(list))
		for _, pr := range list {
			if pr.ASN.Network.IsValid() {
				announced[pr.Addr] = pr.ASN.Network.Masked()
			}
		}
		group := func(a netip.Addr) netip.Prefix {
			if g, ok := announced[a]; ok {
				return g
			}
			return defaultGroup(a)
		}
		res, sts := RunOnline(ctx, publicAddrs(list), p.Online, p.Cache, OnlineOptions{Refresh: p.Refresh, Progress: p.Progress, Budget: p.Budget, Group: group})
		res.Apply(list)
		en.Statuses = append(en.Statuses, sts...)
	}
	if len(p.Feeds) > 0 {
		feeds, err := LoadFeeds(p.Feeds)
		en.FeedErr = err
		feeds.Apply(list)
		for _, f := range feeds.List() {
			en.Statuses = append(en.Statuses, Status{Source: f.Source(), Queried: len(list), Succeeded: len(list)})
			en.ThreatIntel = append(en.ThreatIntel, f.Source())
		}
	}
	return en
}

// publicAddrs keeps the addresses worth asking the internet about: public
// ones. Private, reserved and documentation addresses have no WHOIS or
// reputation, and asking would leak them.
func publicAddrs(list []*Profile) []netip.Addr {
	var out []netip.Addr
	for _, p := range list {
		if p.Class == ClassPublic || p.Class == "" {
			out = append(out, p.Addr)
		}
	}
	return out
}
