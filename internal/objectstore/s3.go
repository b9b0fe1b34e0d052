package objectstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Part sizes for multipart uploads. S3 requires at least 5 MiB per part
// (except the last) and allows at most 10000 parts, so 16 MiB parts carry
// objects up to about 156 GiB while the client buffers one part at a time.
const (
	DefaultPartSize = 16 << 20
	minPartSize     = 5 << 20
	maxPartSize     = 5 << 30
)

// S3Config says how to reach an S3-compatible object store.
type S3Config struct {
	// Endpoint is host[:port] of the service, without a scheme.
	Endpoint string
	// Bucket is the bucket that holds Fairshelf's objects. It must exist
	// (see EnsureBucket).
	Bucket string
	// AccessKey and SecretKey are static V4 credentials.
	AccessKey string
	SecretKey string
	// Region is the bucket's region. Empty asks the service once per
	// bucket, which works for MinIO and AWS alike.
	Region string
	// UseSSL selects HTTPS.
	UseSSL bool
	// PartSize is the multipart part size in bytes; 0 means
	// DefaultPartSize. An upload buffers one part in memory, so this bounds
	// the memory one upload uses.
	PartSize uint64
	// MaxRetries is how often minio-go tries a request that failed with a
	// network error or a retryable status; 0 means its default (10), 1
	// turns retries off.
	MaxRetries int
}

// S3 is a Store on an S3-compatible service (MinIO in tests and compose).
// It speaks only generic S3, so any compatible service works.
type S3 struct {
	client   *minio.Client
	bucket   string
	region   string
	partSize uint64
}

var _ Store = (*S3)(nil)

// NewS3 returns a store for cfg. It checks the configuration but makes no
// network call, so a service that is down at start-up surfaces in Ping (and
// /readyz) instead of preventing the process from starting.
func NewS3(cfg S3Config) (*S3, error) {
	switch {
	case cfg.Endpoint == "":
		return nil, errors.New("objectstore: s3: endpoint is required")
	case strings.Contains(cfg.Endpoint, "://"):
		return nil, fmt.Errorf("objectstore: s3: endpoint %q must be host[:port] without a scheme (set UseSSL for https)", cfg.Endpoint)
	case cfg.Bucket == "":
		return nil, errors.New("objectstore: s3: bucket is required")
	case cfg.AccessKey == "" || cfg.SecretKey == "":
		return nil, errors.New("objectstore: s3: access key and secret key are required")
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < minPartSize || partSize > maxPartSize {
		return nil, fmt.Errorf("objectstore: s3: part size %d is outside [%d, %d]", partSize, minPartSize, maxPartSize)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.UseSSL,
		Region:     cfg.Region,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("objectstore: s3: %w", err)
	}
	return &S3{client: client, bucket: cfg.Bucket, region: cfg.Region, partSize: partSize}, nil
}

// EnsureBucket creates the bucket if it does not exist yet. Tests call it, and
// `serve` only when told to: in production the bucket and its permissions are
// set up by whoever runs the object store.
func (s *S3) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.translate(ctx, "ensure bucket", "", err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region})
	if err != nil && s3Code(err) != minio.BucketAlreadyOwnedByYou {
		return s.translate(ctx, "ensure bucket", "", err)
	}
	return nil
}

// Put implements Store. The SHA-256 is computed from the bytes as the client
// reads them, and the stored size is checked with a HEAD request afterwards.
//
// A stream longer than size can only be noticed after the upload (the client
// reads exactly size bytes); Put then deletes the object before it reports
// EINVALID. Keys are fresh, so nobody can have read it in between; but if a
// retry reused a key, the earlier object is gone as well (Local keeps it).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) (Info, error) {
	return s.put(ctx, key, r, size, time.Time{})
}

// put is Put, with Object Lock retention in compliance mode until retainUntil
// when that is not zero (see PutRetained).
func (s *S3) put(ctx context.Context, key string, r io.Reader, size int64, retainUntil time.Time) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	src := &hashingReader{r: contextReader(ctx, r), h: sha256.New()}
	var body io.Reader = src
	if size >= 0 {
		body = io.LimitReader(src, size)
	}
	// No ConcurrentStreamParts: it would buffer several parts at once.
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    s.partSize,
	}
	if !retainUntil.IsZero() {
		opts.Mode, opts.RetainUntilDate = minio.Compliance, retainUntil.UTC()
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, body, size, opts)
	if err != nil {
		n, eof, rerr := src.state()
		switch {
		case ctx.Err() != nil:
			return Info{}, s.translate(ctx, "put", key, err)
		case rerr != nil:
			// The client's stream failed, not the store.
			return Info{}, fmt.Errorf("objectstore: put %q: reading the upload: %w", key, rerr)
		case size >= 0 && eof && n < size:
			return Info{}, fmt.Errorf("objectstore: put %q: declared %d bytes, got %d: %w: %w", key, size, n, errSizeMismatch, err)
		}
		return Info{}, s.translate(ctx, "put", key, err)
	}
	n, _, _ := src.state()
	if size >= 0 {
		var one [1]byte
		m, err := io.ReadFull(contextReader(ctx, r), one[:])
		if m > 0 {
			s.removeAfterFailedPut(key)
			return Info{}, fmt.Errorf("objectstore: put %q: declared %d bytes, got more: %w", key, size, errSizeMismatch)
		}
		if err != nil && err != io.EOF {
			s.removeAfterFailedPut(key)
			return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
		}
	}
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		// The caller will not record an object it got an error for.
		s.removeAfterFailedPut(key)
		return Info{}, s.translate(ctx, "put", key, err)
	}
	if st.Size != n {
		s.removeAfterFailedPut(key)
		return Info{}, fmt.Errorf("objectstore: put %q: read %d bytes but the store holds %d", key, n, st.Size)
	}
	return Info{Key: key, Size: n, SHA256: src.sum(), ModTime: st.LastModified}, nil
}

// removeAfterFailedPut deletes an object that Put must not leave behind. It
// uses its own context because the caller's may be the reason for the
// failure; if the delete fails too, garbage collection removes the object
// later, as it has no version row.
func (s *S3) removeAfterFailedPut(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

// hashingReader hashes and counts the bytes the S3 client reads, and notes
// how the source ended, so that Put can tell a short or failing upload from a
// failing store. For a single-request upload net/http reads the body on its
// own goroutine and may still do so after PutObject returns with an error,
// hence the mutex.
type hashingReader struct {
	r io.Reader

	mu  sync.Mutex
	h   hash.Hash
	n   int64
	eof bool
	err error // the source's first error other than io.EOF
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.mu.Lock()
	defer hr.mu.Unlock()
	hr.h.Write(p[:n])
	hr.n += int64(n)
	switch {
	case err == io.EOF:
		hr.eof = true
	case err != nil && hr.err == nil:
		hr.err = err
	}
	return n, err
}

// state returns the bytes read so far, whether the source ended and its error.
func (hr *hashingReader) state() (n int64, eof bool, err error) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return hr.n, hr.eof, hr.err
}

// sum returns the hex SHA-256 of the bytes read so far.
func (hr *hashingReader) sum() string {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return hex.EncodeToString(hr.h.Sum(nil))
}

// Get implements Store. A missing key or a bad range is reported here, as an
// error, and not by the first Read.
func (s *S3) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	if err := checkOffset(key, offset); err != nil {
		return nil, err
	}
	if length == 0 {
		// HTTP ranges cannot express zero bytes; only existence and the
		// offset need checking.
		st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
		if err != nil {
			return nil, s.translate(ctx, "get", key, err)
		}
		if _, err := clipRange(key, st.Size, offset, length); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	switch {
	case length > 0:
		// A range past the end is cut by the service, like Local does.
		err := opts.SetRange(offset, offset+length-1)
		if err != nil {
			return nil, fmt.Errorf("objectstore: get %q: %w", key, err)
		}
	case offset > 0:
		if err := opts.SetRange(offset, 0); err != nil {
			return nil, fmt.Errorf("objectstore: get %q: %w", key, err)
		}
	}
	// The core API returns the response body itself: one request that
	// reports a missing key or bad range at once, and reads that go
	// straight to the connection instead of through minio-go's buffering
	// goroutine, which matters for download throughput.
	body, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, s.translate(ctx, "get", key, err)
	}
	return body, nil
}

// Stat implements Store. SHA256 is always "": S3 has no SHA-256 of a whole
// multipart object, and Fairshelf's database keeps the hash Put returned.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.translate(ctx, "stat", key, err)
	}
	return Info{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil {
		// S3 answers 204 for a missing key; some compatible services
		// answer NoSuchKey instead.
		if err := s.translate(ctx, "delete", key, err); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// List implements Store. Objects whose keys ValidKey rejects are skipped: they
// were not written by Fairshelf, and garbage collection must not touch them.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validPrefix(prefix); err != nil {
		return err
	}
	// Cancelling stops minio-go's listing goroutine when fn fails early.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	objects := s.client.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
	for obj := range objects {
		if obj.Err != nil {
			return s.translate(ctx, "list", prefix, obj.Err)
		}
		if ValidKey(obj.Key) != nil {
			continue
		}
		if err := fn(Info{Key: obj.Key, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	// A listing cut short by the caller's context ends without an error.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("objectstore: list %q: %w", prefix, err)
	}
	return nil
}

// Ping implements Store: the service must answer and the bucket must exist.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		err = s.translate(ctx, "ping", "", err)
		if ctx.Err() == nil && domain.ErrorCode(err) != domain.EUNAVAILABLE {
			err = unavailable("ping", "", "The object store is not usable.", err)
		}
		return err
	}
	if !ok {
		return fmt.Errorf("objectstore: ping: bucket %q does not exist: %w", s.bucket,
			&domain.Error{Code: domain.EUNAVAILABLE, Message: "The object store is not set up: its bucket does not exist."})
	}
	return nil
}

// translate turns an error from minio-go into the package's vocabulary:
// ErrNotFound, EINVALID for a bad range, EUNAVAILABLE for anything that a
// working, correctly configured service would not have said, and the
// caller's context error when that is what stopped the request. Anything else
// stays an internal error. The original error is always wrapped for the logs.
func (s *S3) translate(ctx context.Context, op, key string, err error) error {
	where := op
	if key != "" {
		where = fmt.Sprintf("%s %q", op, key)
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return fmt.Errorf("objectstore: %s: %w", where, err)
		}
		return fmt.Errorf("objectstore: %s: %w: %w", where, cerr, err)
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.Code {
		case minio.NoSuchKey:
			return fmt.Errorf("objectstore: %s: %w", where, ErrNotFound)
		case minio.InvalidRange:
			return fmt.Errorf("objectstore: %s: %w: %w", where, errInvalidRange, err)
		case minio.NoSuchBucket:
			return unavailable(op, key, "The object store is not set up: its bucket does not exist.",
				fmt.Errorf("bucket %q: %w", s.bucket, err))
		case minio.AccessDenied, minio.InvalidAccessKeyID, minio.SignatureDoesNotMatch,
			minio.RequestTimeTooSkewed, minio.AllAccessDisabled:
			return unavailable(op, key, "The object store refused Fairshelf's credentials.", err)
		case "SlowDown", "ServiceUnavailable", minio.InternalError, "RequestTimeout",
			"XMinioServerNotInitialized", "XMinioStorageFull":
			return unavailable(op, key, "The object store is unavailable.", err)
		}
		if resp.StatusCode >= 500 {
			return unavailable(op, key, "The object store is unavailable.", err)
		}
		return fmt.Errorf("objectstore: %s: %w", where, err)
	}
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable(op, key, "The object store is unavailable.", err)
	}
	return fmt.Errorf("objectstore: %s: %w", where, err)
}

// s3Code returns the S3 error code in err's chain, or "".
func s3Code(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}
