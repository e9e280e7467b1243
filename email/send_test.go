package email

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/internal/smtptest"
)

// TestSend delivers a message over STARTTLS with AUTH: what arrives is
// the message byte for byte, from and to the envelope's addresses.
func TestSend(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	ts := smtptest.Start(t, &cert, false)
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
	got := ts.Deliveries()
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

	// Implicit TLS, as on port 465.
	implicit := smtptest.StartImplicitTLS(t, cert)
	srv.Addr, srv.ImplicitTLS = implicit.Addr, true
	if err := Send(context.Background(), srv, msg); err != nil {
		t.Fatal(err)
	}
	if got := implicit.Deliveries(); len(got) != 1 || !got[0].TLS || got[0].Username != "ann" || !bytes.Equal(got[0].Data, msg.Data) {
		t.Errorf("implicit TLS: %d deliveries", len(got))
	}
}

// TestSendFails covers the refusals: the error names the server and
// quotes its reply, never the password.
func TestSendFails(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	tlsServer := smtptest.Start(t, &cert, false)
	refusing := smtptest.Start(t, &cert, true)
	plain := smtptest.Start(t, nil, false)
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
			tc.srv.Timeout = cmp.Or(tc.srv.Timeout, 5*time.Second)
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
	if n := len(plain.Deliveries()); n != 1 {
		t.Errorf("plain relay got %d messages", n)
	}
}
