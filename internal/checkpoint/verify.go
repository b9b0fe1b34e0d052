package checkpoint

import (
	"context"
	"crypto/ed25519"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Verifier checks the audit trail in the database against the checkpoints
// in the object store, for `fairshelf audit verify` and the auditor's API.
type Verifier struct {
	Store  *store.Store
	Reader *Reader
	// PublicKey verifies checkpoints. An auditor may pin the key they were
	// given rather than trust the one the server derives from its key file.
	PublicKey ed25519.PublicKey
	// SealKey checks event seals; nil skips them (a verifier without the
	// private key).
	SealKey []byte
}

// NewVerifier returns a verifier for a server holding key.
func NewVerifier(st *store.Store, r *Reader, key ed25519.PrivateKey) *Verifier {
	return &Verifier{Store: st, Reader: r, PublicKey: key.Public().(ed25519.PublicKey), SealKey: domain.SealKey(key)}
}

// Verify reads every checkpoint, then walks the trail once comparing it with
// them (checkpoints are looked up by seq as the walk passes, so the cost is
// one pass over the events plus one read of each new checkpoint).
func (v *Verifier) Verify(ctx context.Context) (domain.ChainReport, error) {
	cps, problems, err := v.Reader.ReadAll(ctx)
	if err != nil {
		return domain.ChainReport{}, err
	}
	return v.Store.VerifyAuditAnchored(
		ctx,
		domain.AuditAnchors{PublicKey: v.PublicKey, Checkpoints: cps, Problems: problems, SealKey: v.SealKey},
	)
}
