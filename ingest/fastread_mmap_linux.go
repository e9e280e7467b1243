package ingest

import (
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps the whole file read-only. Reading a large input from the
// mapping instead of through read(2) saves a copy into user memory for
// each of its readers (the decoders of every chunk, the checksum, the line
// count of earlier chunks).
func mapFile(f *os.File, size int64) ([]byte, error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, errNoMap
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

func unmapFile(b []byte) error { return syscall.Munmap(b) }

// dropPages takes the whole pages of b, a part of a mapping already read,
// out of the process's resident memory. They stay in the page cache (a
// later read faults them back in from memory), so this costs nothing but
// keeps the resident set from growing with the size of the input.
func dropPages(b []byte) {
	page := uintptr(os.Getpagesize())
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	skip := int((page - addr%page) % page)
	if len(b) < skip+int(page) {
		return
	}
	n := (len(b) - skip) / int(page) * int(page)
	syscall.Madvise(b[skip:skip+n], syscall.MADV_DONTNEED)
}
