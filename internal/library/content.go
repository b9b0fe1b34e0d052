package library

import (
	"context"
	"errors"
	"io"

	"github.com/fairshelf/fairshelf/internal/blob"
)

// Content is a stored object as an io.ReadSeeker, for http.ServeContent:
// seeking is free and each read after a seek opens one ranged GET, so range
// requests never read the whole object.
type Content struct {
	ctx  context.Context
	bs   blob.Store
	key  string
	size int64
	off  int64
	rc   io.ReadCloser
}

// Open returns the object with key and its size for streaming. ctx bounds
// every read; Close releases the open read.
func (l *Library) Open(ctx context.Context, key string, size int64) *Content {
	return &Content{ctx: ctx, bs: l.blobs, key: key, size: size}
}

// Read implements io.Reader.
func (c *Content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.rc == nil {
		rc, err := c.bs.Get(c.ctx, c.key, c.off, c.size-c.off)
		if err != nil {
			return 0, err
		}
		c.rc = rc
	}
	n, err := c.rc.Read(p)
	c.off += int64(n)
	if errors.Is(err, io.EOF) && c.off < c.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Seek implements io.Seeker without touching the store.
func (c *Content) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = c.off + offset
	case io.SeekEnd:
		abs = c.size + offset
	default:
		return 0, errors.New("library: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("library: negative position")
	}
	if abs != c.off && c.rc != nil {
		c.rc.Close()
		c.rc = nil
	}
	c.off = abs
	return abs, nil
}

// Close releases the open read, if any.
func (c *Content) Close() error {
	if c.rc != nil {
		err := c.rc.Close()
		c.rc = nil
		return err
	}
	return nil
}
