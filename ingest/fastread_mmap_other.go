//go:build !linux

package ingest

import "os"

// mapFile is not available here: large inputs are read with read(2).
func mapFile(*os.File, int64) ([]byte, error) { return nil, errNoMap }

func unmapFile([]byte) error { return nil }

func dropPages([]byte) {}
