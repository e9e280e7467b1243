// Package smtptest is an in-process SMTP server for tests (go-smtp),
// with a generated certificate for STARTTLS. Only tests import it.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Cert makes a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func Cert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "honeyreport test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// Delivery is one message a Server received.
type Delivery struct {
	From     string
	Rcpt     []string
	Data     []byte
	TLS      bool
	Username string
}

// Server is an in-process SMTP server. With a certificate it offers
// STARTTLS; it offers AUTH PLAIN (user "ann", password "s3cret"; over
// plain text too, as a local relay may); refuse makes it refuse every
// recipient with a 550.
type Server struct {
	Addr string

	mu     sync.Mutex
	got    []Delivery
	refuse bool
}

// Start starts a Server on a free local port until the test ends.
func Start(t testing.TB, cert *tls.Certificate, refuse bool) *Server {
	t.Helper()
	return start(t, cert, refuse, false)
}

// StartImplicitTLS starts a Server that speaks TLS from the first byte,
// as on port 465.
func StartImplicitTLS(t testing.TB, cert tls.Certificate) *Server {
	t.Helper()
	return start(t, &cert, false, true)
}

func start(t testing.TB, cert *tls.Certificate, refuse, implicit bool) *Server {
	ts := &Server{refuse: refuse}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{ts: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	} else {
		s.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Addr = l.Addr().String()
	if implicit {
		l = tls.NewListener(l, s.TLSConfig)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return ts
}

// Deliveries returns what the server received so far.
func (ts *Server) Deliveries() []Delivery {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]Delivery(nil), ts.got...)
}

type session struct {
	ts   *Server
	conn *smtp.Conn
	d    Delivery
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "ann" || pass != "s3cret" {
			return errors.New("invalid credentials")
		}
		s.d.Username = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.d.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ts.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relaying denied for " + to}
	}
	s.d.Rcpt = append(s.d.Rcpt, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.d.Data = b
	_, s.d.TLS = s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	s.ts.got = append(s.ts.got, s.d)
	s.ts.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.d = Delivery{} }
func (s *session) Logout() error { return nil }
