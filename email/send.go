package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultTimeout bounds each step of a send (connect, each command,
// the data) when Server.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Server is where and how to send.
type Server struct {
	Addr string // host:port
	// Insecure allows a connection without TLS (a local relay): STARTTLS
	// is used when offered, without checking the certificate. Otherwise
	// every port but 465 must offer STARTTLS, with a certificate valid
	// for the host.
	Insecure bool
	// ImplicitTLS speaks TLS from the first byte, as port 465 always does.
	ImplicitTLS bool
	// Username and Password, when Username is set, log in with the best
	// mechanism the server offers.
	Username, Password string
	Timeout            time.Duration
	// TLSConfig replaces the default (system roots, the host's name);
	// tests use it to trust their own certificate.
	TLSConfig *tls.Config
}

// Send delivers m through srv. The error names the server and, when the
// server refused, quotes its reply; it never contains the password.
func Send(ctx context.Context, srv Server, m *Message) error {
	if err := send(ctx, srv, m); err != nil {
		return fmt.Errorf("send mail via %s: %w", srv.Addr, err)
	}
	return nil
}

func send(ctx context.Context, srv Server, m *Message) error {
	if len(m.Rcpt) == 0 {
		return errors.New("no recipient")
	}
	host, portStr, err := net.SplitHostPort(srv.Addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return fmt.Errorf("bad port %q", portStr)
	}
	timeout := srv.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tc := srv.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tc), gomail.WithTLSPolicy(gomail.TLSMandatory)}
	switch {
	case port == 465 || srv.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case srv.Insecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if srv.Insecure {
		insecure := tc.Clone()
		insecure.InsecureSkipVerify = true // asked for with --smtp-insecure
		opts = append(opts, gomail.WithTLSConfig(insecure))
	}
	if srv.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(srv.Username), gomail.WithPassword(srv.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout*4)
	defer cancel()
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return err
	}
	defer c.CloseWithSMTPClient(sc)
	if err := sc.Mail(m.From); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", m.From, err)
	}
	for _, r := range m.Rcpt {
		if err := sc.Rcpt(r); err != nil {
			return fmt.Errorf("RCPT TO:<%s>: %w", r, err)
		}
	}
	w, err := sc.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		w.Close()
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return sc.Quit()
}
