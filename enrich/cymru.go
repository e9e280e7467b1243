package enrich

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultBulkASNServer is Team Cymru's IP-to-ASN WHOIS service.
const DefaultBulkASNServer = "whois.cymru.com:43"

// CymruSource maps addresses to their announcing AS with Team Cymru's bulk
// WHOIS protocol: one TCP connection for the whole set, sending
//
//	begin
//	verbose
//	203.0.113.7
//	...
//	end
//
// and reading a "Bulk mode; ..." header followed by one line per address:
//
//	AS | IP | BGP Prefix | CC | Registry | Allocated | AS Name
//
// An address with no announcing AS comes back with AS "NA" and is a
// not-found answer. Team Cymru asks bulk users to send large sets in one
// connection rather than one query per address, hence BatchSource.
type CymruSource struct {
	// Server is host:port; empty means DefaultBulkASNServer.
	Server string
	Dialer *net.Dialer
}

// Name is "bulk-asn".
func (c *CymruSource) Name() string { return "bulk-asn" }

// Lookup implements Source for a single address.
func (c *CymruSource) Lookup(ctx context.Context, addr netip.Addr) (Finding, error) {
	m, err := c.LookupBatch(ctx, []netip.Addr{addr})
	if err != nil {
		return Finding{}, err
	}
	return m[addr.Unmap()], nil
}

// LookupBatch implements BatchSource. Addresses are returned unmapped
// (IPv4-in-IPv6 as IPv4).
func (c *CymruSource) LookupBatch(ctx context.Context, addrs []netip.Addr) (map[netip.Addr]Finding, error) {
	server := c.Server
	if server == "" {
		server = DefaultBulkASNServer
	}
	d := c.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	conn, err := d.DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, c.err(ctx, server, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}

	var req strings.Builder
	req.WriteString("begin\nverbose\n")
	for _, a := range addrs {
		req.WriteString(a.Unmap().String())
		req.WriteByte('\n')
	}
	req.WriteString("end\n")
	// Write and read concurrently: the server starts answering before it
	// has read the whole list, and a large list would otherwise fill both
	// socket buffers and deadlock.
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(conn, req.String())
		werr <- err
	}()

	limit := int64(4096 + 256*len(addrs))
	out, perr := parseCymruBulk(io.LimitReader(conn, limit))
	if err := <-werr; err != nil && perr == nil && len(out) < len(addrs) {
		return nil, c.err(ctx, server, err)
	}
	if perr != nil {
		return nil, c.err(ctx, server, perr)
	}
	want := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		want[a.Unmap()] = true
	}
	if got := countWanted(out, want); got < len(want) {
		// The server answers every address it was sent, so a short answer
		// is a dropped connection: the rest must not be cached as "no AS".
		return out, c.err(ctx, server, &badAnswerError{provider: "bulk-asn",
			err: fmt.Errorf("answer ended after %d of %d addresses", got, len(want))})
	}
	return out, nil
}

func countWanted(out map[netip.Addr]Finding, want map[netip.Addr]bool) int {
	n := 0
	for a := range out {
		if want[a] {
			n++
		}
	}
	return n
}

func (c *CymruSource) err(ctx context.Context, server string, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return errTimeout
		}
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTimeout
	}
	return fmt.Errorf("bulk ASN %s: %w", hostOnly(server), err)
}

// parseCymruBulk reads a verbose bulk answer.
func parseCymruBulk(r io.Reader) (map[netip.Addr]Finding, error) {
	out := make(map[netip.Addr]Finding)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	sawHeader := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "Bulk mode;") {
			sawHeader = true
			continue
		}
		if strings.HasPrefix(strings.ToLower(line), "error:") {
			return nil, &badAnswerError{provider: "bulk-asn", err: errors.New(strings.TrimSpace(line[len("error:"):]))}
		}
		f := strings.Split(line, "|")
		if len(f) < 3 {
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		addr, err := netip.ParseAddr(f[1])
		if err != nil {
			continue
		}
		addr = addr.Unmap()
		if prev, ok := out[addr]; ok && prev.Found {
			continue // multi-origin prefixes list one line per AS; keep the first
		}
		if f[0] == "NA" || f[0] == "0" {
			out[addr] = Finding{Raw: []byte(line)} // the documented "no AS"
			continue
		}
		asn, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			// Not an answer: the address stays missing and fails, rather
			// than being cached as "no AS".
			continue
		}
		a := &ASN{Number: uint32(asn), Source: "team-cymru"}
		if p, err := netip.ParsePrefix(f[2]); err == nil {
			a.Network = p.Masked()
		}
		if len(f) >= 7 {
			a.Org = f[6]
		}
		out[addr] = Finding{Found: true, ASN: a, Raw: []byte(line)}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sawHeader && len(out) == 0 {
		return nil, &badAnswerError{provider: "bulk-asn", err: errors.New("no \"Bulk mode\" header and no answer lines")}
	}
	return out, nil
}
