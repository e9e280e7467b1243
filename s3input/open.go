package s3input

import (
	"context"
	"io"
	"sync"

	"github.com/honeyreport/honeyreport/ingest"
)

// Inputs returns one ingest.Input per object, named s3://bucket/key,
// whose opener sends a GET when called. The body is streamed: no
// object is held whole in memory or written to disk. ctx bounds every
// request the openers make. The openers refer to objs, which must not
// change.
func (c *Client) Inputs(ctx context.Context, objs []Object) []ingest.Input {
	ins := make([]ingest.Input, len(objs))
	for i := range objs {
		o := &objs[i]
		ins[i] = ingest.Input{Name: o.Name(), Opener: func() (io.ReadCloser, error) { return c.get(ctx, *o) }, Size: o.Size, Interruptible: true}
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
	ra := &readAhead{c: c, slots: make(chan struct{}, c.opts.Concurrency)}
	ra.answered.L = &ra.mu
	for i, in := range out {
		o, ok := inputObject(in)
		if !ok {
			continue
		}
		n := len(ra.objs)
		ra.objs = append(ra.objs, o)
		out[i].Opener = func() (io.ReadCloser, error) { return ra.open(ctx, n) }
	}
	if len(ra.objs) == 0 {
		cancel()
		return ins, func() {}
	}
	ra.fetches = make([]fetch, len(ra.objs))
	// A reader waiting for an answer wakes when the pass ends.
	stop := context.AfterFunc(ctx, func() {
		ra.mu.Lock()
		ra.answered.Broadcast()
		ra.mu.Unlock()
	})
	ra.wg.Add(1)
	go ra.run(ctx)
	return out, func() {
		cancel()
		ra.wg.Wait()
		stop()
		ra.mu.Lock()
		defer ra.mu.Unlock()
		for i := range ra.fetches {
			if f := &ra.fetches[i]; f.state == answered && f.rc != nil {
				f.rc.Close()
				f.rc = nil
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

// readAhead is one pass's state. Per object it holds the object and a
// fetch (about 80 bytes, the keys shared with the inputs' names); the
// answers it holds are bounded by the slots.
type readAhead struct {
	c     *Client
	slots chan struct{}
	objs  []Object
	wg    sync.WaitGroup

	mu       sync.Mutex
	answered sync.Cond // a fetch was answered, or the pass ended
	fetches  []fetch   // by object
}

type fetch struct {
	rc    io.ReadCloser
	err   error
	state fetchState
}

type fetchState uint8

const (
	waiting  fetchState = iota // not answered yet
	answered                   // rc or err is the answer, for a reader to take
	claimed                    // a reader took the answer
)

// run opens the objects in order, each once a slot is free, on as many
// goroutines as there are slots: long-lived ones, whose stacks have
// grown to what a request needs once (a goroutine per object grew and
// copied its stack for every request).
func (ra *readAhead) run(ctx context.Context) {
	defer ra.wg.Done()
	work := make(chan int)
	var gets sync.WaitGroup
	defer gets.Wait()
	defer close(work)
	for range min(cap(ra.slots), len(ra.objs)) {
		gets.Add(1)
		go func() {
			defer gets.Done()
			for i := range work {
				rc, err := ra.c.get(ctx, ra.objs[i])
				if err != nil {
					<-ra.slots
				} else {
					rc = &slotBody{ReadCloser: rc, release: func() { <-ra.slots }}
				}
				ra.mu.Lock()
				ra.fetches[i] = fetch{rc: rc, err: err, state: answered}
				ra.answered.Broadcast()
				ra.mu.Unlock()
			}
		}()
	}
	for i := range ra.objs {
		select {
		case ra.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case work <- i:
		case <-ctx.Done():
			<-ra.slots
			return
		}
	}
}

// open takes object i's answer; a second open of the same input in one
// pass sends a request of its own.
func (ra *readAhead) open(ctx context.Context, i int) (io.ReadCloser, error) {
	ra.mu.Lock()
	f := &ra.fetches[i]
	if f.state == claimed {
		ra.mu.Unlock()
		return ra.c.get(ctx, ra.objs[i])
	}
	for f.state != answered {
		if err := ctx.Err(); err != nil {
			ra.mu.Unlock()
			return nil, err // done closes the answer, if it comes
		}
		ra.answered.Wait()
	}
	rc, err := f.rc, f.err
	*f = fetch{state: claimed}
	ra.mu.Unlock()
	return rc, err
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
