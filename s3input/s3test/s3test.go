// Package s3test runs an S3 server in process, on loopback, for tests of
// s3:// inputs: gofakes3 behind a handler that counts requests and can
// fail chosen objects. It also generates the log trees the tests read,
// CloudTrail and S3 server access logs, in the key layouts AWS uses.
package s3test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is an S3 server on loopback.
type Server struct {
	URL     string
	backend *s3mem.Backend

	mu    sync.Mutex
	reqs  []Request
	fails map[string][]failure // "bucket/key" → errors to answer first, in turn
	stall map[string]bool      // "bucket/key" → answer only when the client gives up
}

// Request is one request the server saw.
type Request struct {
	Method, Bucket, Key string
	Query               url.Values
	Header              http.Header
}

// String is "GET trail?prefix=AWSLogs/&delimiter=/" or "GET trail/key":
// the parts of a request that the tests compare.
func (r Request) String() string {
	s := r.Method + " " + r.Bucket
	if r.Key != "" {
		return s + "/" + r.Key
	}
	var q []string
	for _, k := range []string{"prefix", "delimiter", "start-after"} {
		if v := r.Query.Get(k); v != "" {
			q = append(q, k+"="+v)
		}
	}
	if r.Query.Has("continuation-token") {
		q = append(q, "continuation-token")
	}
	if len(q) > 0 {
		s += "?" + strings.Join(q, "&")
	}
	return s
}

// NewServer starts a server, stopped when the test ends.
func NewServer(t testing.TB) *Server {
	s := newServer()
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func newServer() *Server {
	return &Server{backend: s3mem.New(), fails: map[string][]failure{}, stall: map[string]bool{}}
}

// handler serves S3 requests from s's backend, counted, failing or
// stalling the objects Fail and Stall name.
func (s *Server) handler() http.Handler {
	h := gofakes3.New(s.backend, gofakes3.WithoutVersioning()).Server()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{Method: r.Method, Bucket: bucket, Key: key, Query: r.URL.Query(), Header: r.Header.Clone()})
		var fail failure
		if st := s.fails[bucket+"/"+key]; len(st) > 0 && key != "" {
			fail, s.fails[bucket+"/"+key] = st[0], st[1:]
		}
		stall := s.stall[bucket+"/"+key]
		s.mu.Unlock()
		if stall {
			<-r.Context().Done()
			return
		}
		if fail.status != 0 {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(fail.status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>TEST</RequestId></Error>`, fail.code, http.StatusText(fail.status))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// failure is an error answer.
type failure struct {
	status int
	code   string
}

// Fail makes the next requests for bucket/key answer the given statuses,
// one each, before the object is served again.
func (s *Server) Fail(bucket, key string, statuses ...int) {
	for _, st := range statuses {
		s.FailCode(bucket, key, st, map[int]string{403: "AccessDenied", 404: "NoSuchKey", 500: "InternalError", 503: "SlowDown"}[st])
	}
}

// FailCode makes the next request for bucket/key answer status with
// S3's error code code ("RequestTimeTooSkewed").
func (s *Server) FailCode(bucket, key string, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[bucket+"/"+key] = append(s.fails[bucket+"/"+key], failure{status, code})
}

// Stall makes every request for bucket/key hang until the client gives
// up: a server that stopped answering.
func (s *Server) Stall(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall[bucket+"/"+key] = true
}

// Requests returns the requests seen since the last Reset.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Reset forgets the requests seen.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Put stores an object, creating its bucket if needed.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	if err := s.put(bucket, key, data); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) put(bucket, key string, data []byte) error {
	if ok, _ := s.backend.BucketExists(bucket); !ok {
		if err := s.backend.CreateBucket(bucket); err != nil {
			return err
		}
	}
	_, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil)
	return err
}

// Truncate replaces an object with its first half: a cut upload, or a
// gzip stream that ends early.
func (s *Server) Truncate(t testing.TB, bucket, key string) {
	t.Helper()
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, bucket, key, data[:len(data)/2])
}

// PutDir uploads a directory tree: each folder at its top is a bucket,
// each file below it an object keyed by its path. It returns the number
// of objects.
func (s *Server) PutDir(t testing.TB, dir string) int {
	t.Helper()
	n, err := s.putDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (s *Server) putDir(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		bucket, key, _ := strings.Cut(filepath.ToSlash(rel), "/")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		return s.put(bucket, key, data)
	})
	return n, err
}

// Credentials are what SetEnv puts in the environment: tests check that
// they appear in no output.
const (
	AccessKeyID     = "AKIAHONEYREPORTTEST1"
	SecretAccessKey = "hrTestSecret/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// SetEnv gives the AWS SDK credentials from the environment, and no
// shared config, profile or instance role to find instead.
func SetEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
