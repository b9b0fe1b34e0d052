package checkpoint

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// Prefix is where checkpoints live in the object store, apart from content
// objects ("objects/…") so that garbage collection never looks at them.
const Prefix = "checkpoints/"

// DefaultRetention is how long Object Lock keeps a checkpoint: seven years,
// longer than the retention periods regulators ask of promotional records.
const DefaultRetention = 7 * 365 * 24 * time.Hour

// objectKey names a checkpoint: the seq zero-padded so that names sort by
// seq, the signing time, and random bits so that two instances never write
// the same key.
func objectKey(seq int64, signedAt time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf(
		"%s%020d-%s-%s.json",
		Prefix,
		seq,
		strings.ToLower(signedAt.UTC().Format("20060102T150405Z")),
		hex.EncodeToString(b[:]),
	)
}

// seqPrefix is the key prefix of every checkpoint of seq.
func seqPrefix(seq int64) string { return fmt.Sprintf("%s%020d-", Prefix, seq) }

// Writer signs and writes checkpoints. It is safe for concurrent use.
type Writer struct {
	blobs     objectstore.Store
	key       ed25519.PrivateKey
	instance  string
	retention time.Duration
	log       *slog.Logger

	mu      sync.Mutex
	lastSeq int64 // newest seq this process has checkpointed
}

// NewWriter returns a writer that signs with key as instance and asks for
// retention (where the store supports it) for the given duration.
func NewWriter(blobs objectstore.Store, key ed25519.PrivateKey, instance string, retention time.Duration, log *slog.Logger) *Writer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{blobs: blobs, key: key, instance: instance, retention: retention, log: log}
}

// Checkpoint signs head (the chain's newest event) at now and writes the
// checkpoint, unless head is seq 0 or a checkpoint of head's seq exists
// already; written says whether it wrote. The checkpoint is logged in full
// too, so that a log archive holds a second copy. A head behind the last
// checkpoint this process wrote is an error: events were removed from the
// end, and the job's failure log says so within a minute instead of at the
// next verification.
func (w *Writer) Checkpoint(ctx context.Context, head domain.AuditEvent, now time.Time) (c domain.Checkpoint, written bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if head.Seq < w.lastSeq {
		return c, false, fmt.Errorf(
			"checkpoint: the audit trail ends at event %d, but event %d was checkpointed: events were removed from the end",
			head.Seq,
			w.lastSeq,
		)
	}
	if head.Seq == 0 || head.Seq == w.lastSeq {
		return c, false, nil
	}
	// Another instance may have held the job's lease since this one last
	// wrote; a listing of this one seq is cheap.
	exists := false
	if err := w.blobs.List(ctx, seqPrefix(head.Seq), func(objectstore.Info) error { exists = true; return nil }); err != nil {
		return c, false, fmt.Errorf("checkpoint: list: %w", err)
	}
	if exists {
		w.lastSeq = head.Seq
		return c, false, nil
	}
	c = domain.Checkpoint{Instance: w.instance, Seq: head.Seq, Hash: head.Hash, EventTime: head.OccurredAt, SignedAt: now}
	c.Sign(w.key)
	body, err := json.Marshal(c)
	if err != nil {
		return c, false, fmt.Errorf("checkpoint: encode: %w", err)
	}
	key := objectKey(c.Seq, c.SignedAt)
	retained := false
	if r, ok := w.blobs.(objectstore.Retainer); ok && w.retention > 0 {
		_, retained, err = r.PutRetained(ctx, key, bytes.NewReader(body), int64(len(body)), now.Add(w.retention))
	} else {
		_, err = w.blobs.Put(ctx, key, bytes.NewReader(body), int64(len(body)))
	}
	if err != nil {
		return c, false, fmt.Errorf("checkpoint: write %s: %w", key, err)
	}
	c.Object = key
	w.lastSeq = c.Seq
	w.log.Info("audit checkpoint", "object", key, "seq", c.Seq, "hash", c.Hash, "event_time", c.EventTime, "signed_at", c.SignedAt,
		"key_id", c.KeyID, "instance", c.Instance, "retained", retained, "signature", base64.StdEncoding.EncodeToString(c.Signature))
	return c, true, nil
}

// Reader reads checkpoints back. It remembers the checkpoints it has parsed,
// by key, size and modification time, so that an auditor's page reads only
// the new ones; an object rewritten in place has a new time and is read
// again.
type Reader struct {
	blobs objectstore.Store

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	size int64
	mod  time.Time
	c    domain.Checkpoint
}

// NewReader returns a reader of the checkpoints in blobs.
func NewReader(blobs objectstore.Store) *Reader {
	return &Reader{blobs: blobs, cache: map[string]cached{}}
}

// maxCheckpointBytes bounds what is read of one object: a checkpoint is a
// few hundred bytes, and anything much larger was not written by Fairshelf.
const maxCheckpointBytes = 64 << 10

// readers is how many checkpoints are fetched at once when the cache is
// cold: a year of checkpoints is a six-figure number of small objects,
// where latency, not bandwidth, is the cost.
const readers = 16

// ReadAll returns every checkpoint in the store, and a finding for each
// object under the prefix that is not a checkpoint. Signatures are not
// checked here (see domain.NewAuditVerifier). Only objects not in the cache
// are fetched, several at a time; an unreachable store or an ended context
// is an error, not a finding.
func (r *Reader) ReadAll(ctx context.Context) ([]domain.Checkpoint, []domain.AuditFinding, error) {
	var infos []objectstore.Info
	if err := r.blobs.List(ctx, Prefix, func(i objectstore.Info) error { infos = append(infos, i); return nil }); err != nil {
		return nil, nil, fmt.Errorf("checkpoint: list: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]domain.Checkpoint, 0, len(infos))
	var missing []objectstore.Info
	seen := make(map[string]bool, len(infos))
	for _, info := range infos {
		seen[info.Key] = true
		if k, ok := r.cache[info.Key]; ok && k.size == info.Size && k.mod.Equal(info.ModTime) {
			out = append(out, k.c)
		} else {
			missing = append(missing, info)
		}
	}
	for k := range r.cache {
		if !seen[k] {
			delete(r.cache, k)
		}
	}

	type result struct {
		info objectstore.Info
		c    domain.Checkpoint
		err  error
	}
	results := make([]result, len(missing))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(readers, len(missing)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := r.read(ctx, missing[i].Key)
				results[i] = result{info: missing[i], c: c, err: err}
			}
		}()
	}
	for i := range missing {
		next <- i
	}
	close(next)
	wg.Wait()

	var problems []domain.AuditFinding
	for _, res := range results {
		if res.err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if domain.ErrorCode(res.err) == domain.EUNAVAILABLE {
				return nil, nil, res.err
			}
			problems = append(problems, domain.AuditFinding{Kind: domain.FindingUnreadableCheckpoint, Checkpoint: res.info.Key,
				Message: fmt.Sprintf("checkpoint %s cannot be read: %v", res.info.Key, res.err)})
			continue
		}
		r.cache[res.info.Key] = cached{size: res.info.Size, mod: res.info.ModTime, c: res.c}
		out = append(out, res.c)
	}
	return out, problems, nil
}

func (r *Reader) read(ctx context.Context, key string) (domain.Checkpoint, error) {
	rc, err := r.blobs.Get(ctx, key, 0, -1)
	if err != nil {
		return domain.Checkpoint{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxCheckpointBytes+1))
	if err != nil {
		return domain.Checkpoint{}, err
	}
	if len(b) > maxCheckpointBytes {
		return domain.Checkpoint{}, errors.New("too large to be a checkpoint")
	}
	var c domain.Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return domain.Checkpoint{}, fmt.Errorf("not a checkpoint: %w", err)
	}
	c.Object = key
	return c, nil
}
