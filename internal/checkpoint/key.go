// Package checkpoint anchors the audit trail outside the database. A job
// signs the chain's newest event with an Ed25519 key the database never
// sees and writes the checkpoint to the object store (under Object Lock
// retention when the bucket has it) and to the log; verification compares
// the trail with every checkpoint. The same key, through a derived secret,
// seals each event as it is written (see domain.SealKey).
package checkpoint

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadKey reads the signing key from path: a PEM file with one "PRIVATE KEY"
// block holding an Ed25519 key in PKCS#8, as written by
// `openssl genpkey -algorithm ed25519 -out audit-signing-key.pem`.
func LoadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read signing key: %w", err)
	}
	return ParseKey(b)
}

// ParseKey parses a PEM PKCS#8 Ed25519 private key.
func ParseKey(pemBytes []byte) (ed25519.PrivateKey, error) {
	return parsePEM[ed25519.PrivateKey](pemBytes, "signing key", "PRIVATE KEY", " (PKCS#8)", x509.ParsePKCS8PrivateKey)
}

// LoadOrCreateKey loads the key at path, creating it first (mode 0600, in a
// folder it creates with 0700) if there is none. It is for the embedded
// mode, where the data folder is the only place the server owns. Creation
// is exclusive, so two processes starting together end up with one key.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, bool, error) {
	if priv, err := LoadKey(path); err == nil {
		return priv, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint: encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("checkpoint: create key folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		priv, err := LoadKey(path) // another process won the race
		return priv, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint: create signing key: %w", err)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := f.Sync(); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("checkpoint: write signing key: %w", werr)
	}
	return priv, true, nil
}

// PublicKeyPEM encodes pub as a PEM "PUBLIC KEY" block (PKIX), the form
// `fairshelf audit pubkey` prints and `fairshelf audit verify --pubkey`
// reads.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic("checkpoint: marshal Ed25519 public key: " + err.Error()) // cannot fail for a valid key
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicKey parses a PEM "PUBLIC KEY" block holding an Ed25519 key.
func ParsePublicKey(pemBytes []byte) (ed25519.PublicKey, error) {
	return parsePEM[ed25519.PublicKey](pemBytes, "public key", "PUBLIC KEY", "", x509.ParsePKIXPublicKey)
}

// parsePEM decodes the first PEM block of pemBytes, which must be of
// blockType, parses its DER with parse and requires a key of type K. Errors
// name the key as what; hint follows the expected block type.
func parsePEM[K any](pemBytes []byte, what, blockType, hint string, parse func([]byte) (any, error)) (K, error) {
	var zero K
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != blockType {
		return zero, fmt.Errorf("checkpoint: %s: want a PEM %q block%s", what, blockType, hint)
	}
	k, err := parse(block.Bytes)
	if err != nil {
		return zero, fmt.Errorf("checkpoint: %s: %w", what, err)
	}
	key, ok := k.(K)
	if !ok {
		return zero, fmt.Errorf("checkpoint: %s is a %T, want Ed25519", what, k)
	}
	return key, nil
}
