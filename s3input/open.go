package s3input

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/honeyreport/honeyreport/ingest"
)

// Inputs returns one ingest.Input per object, named s3://bucket/key,
// whose opener sends GetObject when called. The body is streamed: no
// object is held whole in memory or written to disk. ctx bounds every
// request the openers make.
func (c *Client) Inputs(ctx context.Context, objs []Object) []ingest.Input {
	ins := make([]ingest.Input, len(objs))
	for i, o := range objs {
		ins[i] = ingest.Input{Name: o.Name(), Opener: func() (io.ReadCloser, error) { return c.get(ctx, o) }, Size: o.Size, Interruptible: true}
	}
	return ins
}

// body names the object in read errors ("unexpected EOF" alone would
// not say which of ten thousand objects was cut).
type body struct {
	rc io.ReadCloser
	o  Object
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = requestError("read", b.o.Bucket, b.o.Key, err)
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// ReadAhead returns ins for one pass of ingest.ReadInputs, with the
// objects that Inputs made opened ahead of the readers: up to
// Options.Concurrency GET requests in flight or answered and not
// yet read, in input order, so that the readers (one per core) do not
// wait a round trip per object. ReadInputs hands inputs to its workers in
// order, so the object a reader asks for next is always among those
// opened or the next to be. Memory is bounded by the concurrency: an
// answered body waits in the connection's buffers until read. done ends
// the pass: it stops opening and closes the bodies no reader took.
func (c *Client) ReadAhead(ctx context.Context, ins []ingest.Input) (out []ingest.Input, done func()) {
	out = append([]ingest.Input(nil), ins...)
	ctx, cancel := context.WithCancel(ctx)
	ra := &readAhead{slots: make(chan struct{}, c.opts.Concurrency)}
	for i, in := range out {
		o, ok := inputObject(in)
		if !ok {
			continue
		}
		f := &fetch{o: o, ready: make(chan fetched, 1)}
		ra.fetches = append(ra.fetches, f)
		out[i].Opener = func() (io.ReadCloser, error) { return ra.open(ctx, c, f) }
	}
	if len(ra.fetches) == 0 {
		cancel()
		return ins, func() {}
	}
	ra.wg.Add(1)
	go ra.run(ctx, c)
	return out, func() {
		cancel()
		ra.wg.Wait()
		for _, f := range ra.fetches {
			if f.started && f.claimed.CompareAndSwap(false, true) {
				if r := <-f.ready; r.rc != nil {
					r.rc.Close()
				}
			}
		}
	}
}

// inputObject returns the object of an input that Inputs made: its name
// is the object's URL. (Keeping a map from names to objects instead
// cost memory for every object listed, for the whole run.)
func inputObject(in ingest.Input) (Object, bool) {
	if in.Opener == nil || in.Path != "" || !IsURL(in.Name) {
		return Object{}, false
	}
	bucket, key, err := ParseURL(in.Name)
	if err != nil || key == "" {
		return Object{}, false
	}
	return Object{Bucket: bucket, Key: key, Size: in.Size}, true
}

type readAhead struct {
	slots   chan struct{}
	fetches []*fetch
	wg      sync.WaitGroup
}

type fetch struct {
	o       Object
	ready   chan fetched
	started bool // set by run before ready can be sent on; read after run ends
	claimed atomic.Bool
}

type fetched struct {
	rc  io.ReadCloser
	err error
}

// run opens the objects in order, each once a slot is free, on as many
// goroutines as there are slots: long-lived ones, whose stacks have
// grown to what a request needs once (a goroutine per object grew and
// copied its stack for every request).
func (ra *readAhead) run(ctx context.Context, c *Client) {
	defer ra.wg.Done()
	work := make(chan *fetch)
	var gets sync.WaitGroup
	defer gets.Wait()
	defer close(work)
	for range min(cap(ra.slots), len(ra.fetches)) {
		gets.Add(1)
		go func() {
			defer gets.Done()
			for f := range work {
				rc, err := c.get(ctx, f.o)
				if err != nil {
					<-ra.slots
					f.ready <- fetched{err: err}
					continue
				}
				f.ready <- fetched{rc: &slotBody{ReadCloser: rc, release: func() { <-ra.slots }}}
			}
		}()
	}
	for _, f := range ra.fetches {
		select {
		case ra.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case work <- f:
			f.started = true
		case <-ctx.Done():
			return
		}
	}
}

// open takes f's answer; a second open of the same input in one pass
// sends a request of its own.
func (ra *readAhead) open(ctx context.Context, c *Client, f *fetch) (io.ReadCloser, error) {
	if !f.claimed.CompareAndSwap(false, true) {
		return c.get(ctx, f.o)
	}
	select {
	case r := <-f.ready:
		return r.rc, r.err
	case <-ctx.Done():
		f.claimed.Store(false) // done closes it, if it comes
		return nil, ctx.Err()
	}
}

// slotBody frees its read-ahead slot when closed.
type slotBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
