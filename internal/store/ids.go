package store

import (
	"fmt"

	"github.com/google/uuid"
)

// newID returns a new row ID: a UUIDv7, so IDs sort by creation time, which
// keeps B-tree inserts local and keyset pagination simple, while not being
// guessable in sequence.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		panic(fmt.Sprintf("store: new id: %v", err)) // only fails if crypto/rand fails
	}
	return id.String()
}
