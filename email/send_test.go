package email

import (
	"bytes"
	"context"
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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
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

// Delivery is one message a TestServer received.
type delivery struct {
	From     string
	Rcpt     []string
	Data     []byte
	TLS      bool
	Username string
}

// testServer is an in-process SMTP server. With a certificate it offers
// STARTTLS and AUTH PLAIN (user "ann", password "s3cret"); refuse makes
// it refuse every recipient with a 550.
type testServer struct {
	Addr string

	mu     sync.Mutex
	got    []delivery
	refuse bool
}

func startServer(t testing.TB, cert *tls.Certificate, refuse bool) *testServer {
	t.Helper()
	ts := &testServer{refuse: refuse}
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
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return ts
}

func (ts *testServer) deliveries() []delivery {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]delivery(nil), ts.got...)
}

type session struct {
	ts   *testServer
	conn *smtp.Conn
	d    delivery
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

func (s *session) Reset()        { s.d = delivery{} }
func (s *session) Logout() error { return nil }

// TestSend delivers a message over STARTTLS with AUTH: what arrives is
// the message byte for byte, from and to the envelope's addresses.
func TestSend(t *testing.T) {
	cert, pool := testCert(t)
	ts := startServer(t, &cert, false)
	rep := testReport(t, false)
	msg, err := New(rep, testImages(t, rep), testOptions([]byte("zip")))
	if err != nil {
		t.Fatal(err)
	}
	srv := Server{Addr: ts.Addr, Username: "ann", Password: "s3cret", Timeout: 5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	if err := Send(context.Background(), srv, msg); err != nil {
		t.Fatal(err)
	}
	got := ts.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	d := got[0]
	if !d.TLS || d.Username != "ann" || d.From != "honeyreport@example.org" || strings.Join(d.Rcpt, " ") != "ann@example.org soc@example.org cc@example.org" {
		t.Errorf("delivery: tls %v user %q from %q to %q", d.TLS, d.Username, d.From, d.Rcpt)
	}
	if !bytes.Equal(d.Data, msg.Data) {
		t.Errorf("received %d bytes, not the %d built", len(d.Data), len(msg.Data))
	}
	parse(t, d.Data)
}

// TestSendFails covers the refusals: the error names the server and
// quotes its reply, never the password.
func TestSendFails(t *testing.T) {
	cert, pool := testCert(t)
	tlsServer := startServer(t, &cert, false)
	refusing := startServer(t, &cert, true)
	plain := startServer(t, nil, false)
	rep := testReport(t, false)
	msg, err := New(rep, nil, testOptions([]byte("zip")))
	if err != nil {
		t.Fatal(err)
	}
	trust := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	for _, tc := range []struct {
		name string
		srv  Server
		want []string
	}{
		{"refused recipient", Server{Addr: refusing.Addr, TLSConfig: trust}, []string{refusing.Addr, "550", "relaying denied", "ann@example.org"}},
		{"wrong password", Server{Addr: tlsServer.Addr, TLSConfig: trust, Username: "ann", Password: "wrong-pw-XYZ"}, []string{tlsServer.Addr, "AUTH", "invalid credentials"}},
		{"untrusted certificate", Server{Addr: tlsServer.Addr}, []string{tlsServer.Addr, "certificate"}},
		{"no STARTTLS", Server{Addr: plain.Addr}, []string{plain.Addr, "STARTTLS"}},
		{"no server", Server{Addr: "127.0.0.1:1", Timeout: time.Second}, []string{"127.0.0.1:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.srv.Timeout = cmpDur(tc.srv.Timeout, 5*time.Second)
			err := Send(context.Background(), tc.srv, msg)
			if err == nil {
				t.Fatal("sent")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			t.Log(err)
			if strings.Contains(err.Error(), "wrong-pw-XYZ") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	// --smtp-insecure: a local relay without TLS.
	if err := Send(context.Background(), Server{Addr: plain.Addr, Insecure: true, Timeout: 5 * time.Second}, msg); err != nil {
		t.Errorf("insecure send to a plain relay: %v", err)
	}
	if n := len(plain.deliveries()); n != 1 {
		t.Errorf("plain relay got %d messages", n)
	}
}

func cmpDur(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
