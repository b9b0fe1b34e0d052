package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Reader is a stored object as a verified io.ReadSeeker, for
// http.ServeContent. Bytes are read from the store a whole block at a time,
// and a block is hashed and compared with the sum recorded at upload before
// any of it is returned, so a caller never gets a byte that was not checked.
// Seeking is free; a read after a seek starts one ranged GET at the
// enclosing block, so a range request reads the blocks its range touches,
// never the whole object. From the second block of a read on, the next
// block is read ahead (two block buffers per download).
//
// When the object does not match (a block's hash differs, it is shorter or
// longer than recorded, or it is missing), the object is marked corrupt,
// the alarm is raised, and Read returns an error with the code EINTEGRITY;
// Err returns it too, because http.ServeContent swallows read errors. Other
// read errors (store unreachable, request cancelled) are returned as they
// are. After an error every Read fails.
type Reader struct {
	l    *Service
	ctx  context.Context
	blob domain.StoredObject
	off  int64

	mu       sync.Mutex // ServeContent reads multipart ranges on another goroutine
	rc       io.ReadCloser
	rcOff    int64 // the offset rc reads next
	buf      []byte
	bufStart int64
	bufLen   int // verified bytes in buf; 0 when it holds nothing
	spare    []byte
	last     int64        // the block last loaded, -1 for none
	pending  chan fetched // the next block, being read ahead; nil when none
	err      error
}

// Open returns the object with key for streaming, verified block by block.
// ctx bounds every read; Close releases the open read. It fails with
// EINTEGRITY, before anything is read, when the object is already marked
// corrupt. An object stored before block sums were recorded is first read
// whole and checked against its recorded SHA-256, and its block sums are
// stored, so its first download waits for one full read (the backfill,
// see BackfillBlockSums, spares most objects that wait).
func (l *Service) Open(ctx context.Context, key string) (*Reader, error) {
	b, err := l.store.Blob(ctx, key)
	if err != nil {
		return nil, err
	}
	if b.CorruptAt != nil {
		return nil, fmt.Errorf("object: object %s is marked corrupt (%s): %w", key, b.CorruptReason, domain.IntegrityFailure())
	}
	if b.BlockSums == nil {
		if b, err = l.summarize(ctx, b, "download", 0); err != nil {
			return nil, err
		}
	}
	if b.BlockSize <= 0 || int64(len(b.BlockSums)) != blockCount(b.Size, b.BlockSize)*blockSumSize {
		return nil, fmt.Errorf(
			"object: object %s has %d bytes of block sums for %d bytes in blocks of %d",
			key,
			len(b.BlockSums),
			b.Size,
			b.BlockSize,
		)
	}
	return &Reader{l: l, ctx: ctx, blob: b, last: -1}, nil
}

// Size is the recorded length of the content.
func (c *Reader) Size() int64 { return c.blob.Size }

// Err returns the error that ended reading, if any.
func (c *Reader) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Read implements io.Reader.
func (c *Reader) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.current()
	if err != nil {
		return 0, err
	}
	n := copy(p, b)
	c.off += int64(n)
	return n, nil
}

// WriteN writes the next n bytes to w (fewer at the end of the content),
// as Read would give them but a verified block at a time, so that a
// download makes one large write per block instead of many small ones.
func (c *Reader) WriteN(w io.Writer, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var written int64
	for written < n {
		b, err := c.current()
		if err != nil {
			return written, err
		}
		if rest := n - written; int64(len(b)) > rest {
			b = b[:rest]
		}
		k, err := w.Write(b)
		c.off += int64(k)
		written += int64(k)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// current returns the verified bytes from the offset to the end of its
// block, loading the block if buf does not hold it; io.EOF at the end.
func (c *Reader) current() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.off >= c.blob.Size {
		return nil, io.EOF
	}
	if c.bufLen == 0 || c.off < c.bufStart || c.off >= c.bufStart+int64(c.bufLen) {
		if err := c.load(c.off / c.blob.BlockSize); err != nil {
			c.err = err
			return nil, err
		}
	}
	return c.buf[c.off-c.bufStart : c.bufLen], nil
}

// fetched is a block read from the store and hashed, not yet compared.
type fetched struct {
	i        int64
	buf      []byte
	n        int   // bytes read into buf
	err      error // why fewer bytes than the block's length were read
	sum      [blockSumSize]byte
	extended bool // the last block is followed by more bytes
}

// fetch reads block i from rc, which must be at its start, into buf and
// hashes it. It raises no alarm: a block read ahead may never be asked for.
// It runs on the read-ahead goroutine, so it touches no field that changes.
func (c *Reader) fetch(rc io.Reader, buf []byte, i int64) fetched {
	start := i * c.blob.BlockSize
	want := min(c.blob.BlockSize, c.blob.Size-start)
	f := fetched{i: i, buf: buf}
	f.n, f.err = io.ReadFull(rc, buf[:want])
	if f.err != nil {
		return f
	}
	f.sum = blockSum(buf[:want])
	if start+want == c.blob.Size {
		var one [1]byte
		k, _ := io.ReadFull(rc, one[:])
		f.extended = k > 0
	}
	return f
}

// load makes block i the verified content of buf. A block read ahead is
// used if it is the one asked for. After two blocks in a row, the next one
// is read ahead while the caller sends this one, so that the object store,
// the hashing and the client's connection work at the same time; a range
// request of a block or two reads nothing ahead.
func (c *Reader) load(i int64) error {
	bs, size := c.blob.BlockSize, c.blob.Size
	start := i * bs
	c.bufLen = 0
	var f fetched
	if c.pending != nil {
		f = <-c.pending
		c.pending = nil
		c.rcOff += int64(f.n)
		if f.err != nil || f.extended {
			c.closeRead()
		}
		if f.i != i {
			c.spare, f = f.buf, fetched{}
		}
	}
	if f.buf == nil {
		if c.rc == nil || c.rcOff != start {
			c.closeRead()
			rc, err := c.l.blobs.Get(c.ctx, c.blob.Key, start, -1)
			switch domain.ErrorCode(err) {
			case "":
			case domain.ENOTFOUND:
				return c.l.raise(c.blob, "missing from the object store", "download")
			case domain.EINVALID:
				// The key is valid, so only the offset can be wrong: the
				// object ends before a block it was recorded with.
				return c.l.raise(c.blob, fmt.Sprintf("shorter than recorded: no byte %d of %d", start, size), "download")
			default:
				return err
			}
			c.rc, c.rcOff = rc, start
		}
		f = c.fetch(c.rc, c.takeSpare(), i)
		c.rcOff += int64(f.n)
	}
	c.spare = f.buf // until verified, the buffer holds nothing usable
	want := min(bs, size-start)
	switch {
	case errors.Is(f.err, io.EOF) || errors.Is(f.err, io.ErrUnexpectedEOF):
		return c.l.raise(c.blob, fmt.Sprintf("shorter than recorded: ends at byte %d of %d", start+int64(f.n), size), "download")
	case f.err != nil:
		return fmt.Errorf("object: read %s at %d: %w", c.blob.Key, start, f.err)
	case !bytes.Equal(f.sum[:], c.blob.BlockSums[i*blockSumSize:(i+1)*blockSumSize]):
		return c.l.raise(c.blob, fmt.Sprintf("block %d (bytes %d-%d) does not match its recorded hash", i, start, start+want-1), "download")
	case f.extended:
		return c.l.raise(c.blob, fmt.Sprintf("longer than the recorded %d bytes", size), "download")
	}
	c.spare, c.buf = c.buf, f.buf
	c.bufStart, c.bufLen = start, int(want)
	sequential := i == c.last+1 && i > 0
	c.last = i
	if start+want == size {
		c.closeRead()
	} else if sequential {
		rc, buf, next := c.rc, c.takeSpare(), make(chan fetched, 1)
		c.pending = next
		go func() { next <- c.fetch(rc, buf, i+1) }()
	}
	return nil
}

// takeSpare returns the spare block buffer, allocating it the first time.
func (c *Reader) takeSpare() []byte {
	b := c.spare
	c.spare = nil
	if b == nil {
		b = c.l.getBuffer(c.blob.BlockSize)
	}
	return b
}

// Seek implements io.Seeker without touching the store.
func (c *Reader) Seek(offset int64, whence int) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = c.off + offset
	case io.SeekEnd:
		abs = c.blob.Size + offset
	default:
		return 0, errors.New("object: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("object: negative position")
	}
	c.off = abs
	return abs, nil
}

// Close releases the open read and the block buffers. Closing the read
// first ends a block being read ahead at once, even from a store that
// stopped answering; Close then waits for it to give its buffer back.
func (c *Reader) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.closeRead()
	if c.pending != nil {
		f := <-c.pending
		c.pending = nil
		c.l.putBuffer(f.buf)
	}
	for _, b := range [][]byte{c.buf, c.spare} {
		if b != nil {
			c.l.putBuffer(b)
		}
	}
	c.buf, c.spare, c.bufLen = nil, nil, 0
	return err
}

func (c *Reader) closeRead() error {
	if c.rc == nil {
		return nil
	}
	err := c.rc.Close()
	c.rc = nil
	return err
}

// getBuffer returns a block buffer; buffers of DefaultBlockSize are
// recycled, so that downloads do not allocate a block each.
func (l *Service) getBuffer(size int64) []byte {
	if size == DefaultBlockSize {
		if b, ok := l.buffers.Get().(*[]byte); ok {
			return *b
		}
	}
	return make([]byte, size)
}

func (l *Service) putBuffer(b []byte) {
	if len(b) == DefaultBlockSize {
		l.buffers.Put(&b)
	}
}
