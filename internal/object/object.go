// Package object looks after the objects that hold the bytes of every
// version's file: it spools an upload to disk while hashing it, detects its
// type from its bytes, extracts its text, puts the object into the object
// store (package objectstore) and records the version, in an order that never
// leaves a version without its object. It serves objects back verified,
// collects orphaned ones and re-verifies stored ones (the scrub).
package object

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Service coordinates the object store and the database for content files.
type Service struct {
	store     *store.Store
	blobs     objectstore.Store
	log       *slog.Logger
	tempDir   string
	maxUpload int64
	limits    extract.Limits
	blockSize int64
	now       func() time.Time
	buffers   sync.Pool // download block buffers, see getBuffer

	integrityFailures *prometheus.CounterVec
}

// Options configure a Library.
type Options struct {
	// TempDir holds uploads while they are checked; it must have room for
	// the largest upload. Empty means os.TempDir().
	TempDir string
	// MaxUpload is the largest accepted file in bytes.
	MaxUpload int64
	// Limits bound text extraction; zero means extract.DefaultLimits().
	Limits extract.Limits
	// BlockSize is the length of the blocks whose hash is recorded for
	// new objects; zero means DefaultBlockSize. Each object keeps the block
	// size it was recorded with, so changing it affects new objects only.
	BlockSize int64
	// Now is the clock for verification times; nil means time.Now.
	Now func() time.Time
}

// New returns a Library.
func New(st *store.Store, blobs objectstore.Store, log *slog.Logger, opts Options) (*Service, error) {
	if opts.TempDir == "" {
		opts.TempDir = os.TempDir()
	}
	if err := os.MkdirAll(opts.TempDir, 0o750); err != nil {
		return nil, fmt.Errorf("object: temp folder: %w", err)
	}
	if opts.Limits == (extract.Limits{}) {
		opts.Limits = extract.DefaultLimits()
	}
	if opts.BlockSize <= 0 {
		opts.BlockSize = DefaultBlockSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: st, blobs: blobs, log: log, tempDir: opts.TempDir, maxUpload: opts.MaxUpload, limits: opts.Limits,
		blockSize: opts.BlockSize, now: opts.Now, integrityFailures: newIntegrityMetric()}, nil
}

// MaxUpload is the largest accepted file in bytes.
func (l *Service) MaxUpload() int64 { return l.maxUpload }

// spooled is an upload held in a temporary file.
type spooled struct {
	f         *os.File
	size      int64
	sha256    string
	blockSums []byte
}

func (s *spooled) close() {
	name := s.f.Name()
	s.f.Close()
	os.Remove(name)
}

// spool copies r to a temporary file, hashing on the way (the whole file and
// each block), so that the upload never sits in memory, needs no second pass
// for its hashes, and the type check and text extraction get random access.
// More than maxUpload bytes is ETOOLARGE; nothing at all is EINVALID.
func (l *Service) spool(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp(l.tempDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("object: spool: %w", err)
	}
	s := &spooled{f: f}
	h, bh := sha256.New(), newBlockHasher(l.blockSize)
	n, err := io.Copy(io.MultiWriter(f, h, bh), io.LimitReader(r, l.maxUpload+1))
	if err != nil {
		s.close()
		return nil, noSpace(fmt.Errorf("object: receive upload: %w", err))
	}
	if n > l.maxUpload {
		s.close()
		return nil, domain.Errorf(domain.ETOOLARGE, "The file is larger than the limit of %s.", HumanBytes(l.maxUpload))
	}
	if n == 0 {
		s.close()
		return nil, &domain.Error{
			Code:    domain.EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{"file": "The file is empty."},
		}
	}
	s.size, s.sha256, s.blockSums = n, hex.EncodeToString(h.Sum(nil)), bh.Sums()
	return s, nil
}

// Upload stores r as the next version of an asset. The caller must have
// checked that actor may upload to the asset's brand. The object is written
// before the version row is committed; if the commit fails, the object is
// removed (and if that fails too, garbage collection removes it later).
func (l *Service) Upload(ctx context.Context, actor domain.Actor, assetID, filename string, r io.Reader) (domain.Version, error) {
	sp, err := l.spool(r)
	if err != nil {
		return domain.Version{}, err
	}
	defer sp.close()

	mediaType, err := extract.Detect(sp.f, sp.size)
	if err != nil {
		return domain.Version{}, err
	}
	nv := domain.Version{AssetID: assetID, MediaType: mediaType, Filename: domain.SanitizeFilename(filename)}
	obj := domain.StoredObject{SHA256: sp.sha256, Size: sp.size, BlockSize: l.blockSize, BlockSums: sp.blockSums}
	text, lines := l.extractText(ctx, sp, &nv)
	newObject := false

	for attempt := 0; ; attempt++ {
		key, size, err := l.store.ObjectBySHA256(ctx, sp.sha256)
		switch {
		case err == nil && size == sp.size:
			obj.Key, newObject = key, false
			if err := l.restoreIfCorrupt(ctx, actor, key, sp); err != nil {
				return domain.Version{}, err
			}
		case err == nil || domain.ErrorCode(err) == domain.ENOTFOUND:
			obj.Key, newObject = objectstore.NewKey(), true
			if err := l.put(ctx, obj.Key, sp); err != nil {
				return domain.Version{}, err
			}
		default:
			return domain.Version{}, err
		}
		v, err := l.store.CreateVersion(ctx, actor, nv, obj, newObject, text, lines)
		if err == nil {
			return v, nil
		}
		if newObject {
			l.removeOrphan(obj.Key)
		}
		if !errors.Is(err, store.ErrObjectRace) || attempt > 0 {
			return domain.Version{}, err
		}
		// Another upload of the same bytes won; reuse its object.
	}
}

// restoreIfCorrupt puts the upload's bytes back under the object it
// shares, when that object was found corrupt: the upload has the recorded
// SHA-256, so it is the approved content, and every version sharing the
// object is served again.
func (l *Service) restoreIfCorrupt(ctx context.Context, actor domain.Actor, key string, sp *spooled) error {
	b, err := l.store.Blob(ctx, key)
	if err != nil || b.CorruptAt == nil {
		return err
	}
	return l.restore(ctx, actor, b, sp)
}

func (l *Service) put(ctx context.Context, key string, sp *spooled) error {
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("object: rewind upload: %w", err)
	}
	info, err := l.blobs.Put(ctx, key, sp.f, sp.size)
	if err != nil {
		return noSpace(err)
	}
	if info.Size != sp.size || (info.SHA256 != "" && info.SHA256 != sp.sha256) {
		l.removeOrphan(key)
		return fmt.Errorf(
			"object: object store kept %d bytes with SHA-256 %s, want %d bytes %s",
			info.Size,
			info.SHA256,
			sp.size,
			sp.sha256,
		)
	}
	return nil
}

// noSpace gives a full disk under the spool folder or the local object
// store the code EUNAVAILABLE, so that the client learns that the server,
// not its file, is the problem; the cause stays wrapped for the logs. Nothing
// is left behind: spool and object store remove their partial files.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return errors.Join(
			domain.Errorf(
				domain.EUNAVAILABLE,
				"The server has no room left to store the file; an administrator has to free space before uploads work again.",
			),
			err,
		)
	}
	return err
}

// removeOrphan deletes an object no row refers to. It runs even if the
// request was cancelled, with its own deadline.
func (l *Service) removeOrphan(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.blobs.Delete(ctx, key); err != nil {
		l.log.Warn("object: could not remove orphaned object; garbage collection will", "key", key, "err", err)
	}
}

// extractText fills the text outcome and pages of nv and returns the plain
// text and its JSON lines. Extraction problems are recorded with the
// version, not refused: the checker then asks for manual review.
func (l *Service) extractText(ctx context.Context, sp *spooled, nv *domain.Version) (text string, lines []byte) {
	doc, err := extract.Extract(ctx, sp.f, sp.size, nv.MediaType, l.limits)
	if err != nil {
		nv.TextStatus = domain.TextFailed
		var xe *extract.Error
		if errors.As(err, &xe) {
			nv.TextError = xe.Reason
		} else {
			nv.TextError = "The text could not be extracted."
			l.log.Warn("object: extraction failed", "err", err, "media_type", nv.MediaType)
		}
		return "", nil
	}
	switch {
	case nv.MediaType == extract.PNG || nv.MediaType == extract.JPEG || nv.MediaType == extract.MP4:
		nv.TextStatus = domain.TextNotApplicable
	case len(doc.Lines) == 0:
		nv.TextStatus = domain.TextEmpty
	case doc.Truncated:
		// A partial check could miss safety information near the end.
		nv.TextStatus, nv.TextError = domain.TextFailed, "The text is too long to check completely; only its beginning was read."
	default:
		nv.TextStatus = domain.TextOK
	}
	nv.Pages = doc.Pages
	if b, err := json.Marshal(doc.Lines); err == nil && doc.Lines != nil {
		lines = b
	}
	return doc.Plain(), lines
}

// HumanBytes renders a byte count for people: "2 GiB", "1.5 MiB", "256 KiB".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return formatUnits(float64(n)/(1<<30)) + " GiB"
	case n >= 1<<20:
		return formatUnits(float64(n)/(1<<20)) + " MiB"
	}
	return formatUnits(float64(n)/(1<<10)) + " KiB"
}

func formatUnits(f float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 1, 64), "0"), ".")
}
