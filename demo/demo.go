package demo

import (
	"bytes"
	_ "embed"
	"io"
)

// SampleName is the sample's file name, as reports show it among their
// inputs.
const SampleName = "honeybucket-demo.txt.gz"

//go:embed honeybucket-demo.txt.gz
var sample []byte

// Sample returns the demo log's name and a fresh reader of its bytes,
// gzip-compressed as stored (ingest.NewReader decompresses it). Each call
// returns an independent reader.
func Sample() (name string, r io.Reader) {
	return SampleName, bytes.NewReader(sample)
}
