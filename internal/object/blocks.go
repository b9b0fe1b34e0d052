package object

import (
	"hash"

	"github.com/zeebo/blake3"
)

// DefaultBlockSize is the length of the blocks whose hash is recorded at
// upload. 1 MiB keeps the sums small (32 bytes per MiB: 32 KiB for a 1 GiB
// video, stored in the blob row), bounds what a ranged request reads beyond
// its range to under 2 MiB, and is large enough that a download's hashing
// and object-store reads run at full speed. Each download in flight holds
// one block in memory.
const DefaultBlockSize = 1 << 20

// blockHasher is an io.Writer that computes the blockSum of every block of
// what is written to it, so that an upload gets its block sums in the same
// pass that spools and hashes it. Its memory is one hash state plus 32
// bytes per block.
type blockHasher struct {
	size int64
	h    hash.Hash
	n    int64 // bytes of the current block written so far
	sums []byte
}

// newBlockHasher returns a blockHasher for blocks of size bytes; a size
// that is not positive means DefaultBlockSize.
func newBlockHasher(size int64) *blockHasher {
	if size <= 0 {
		size = DefaultBlockSize
	}
	return &blockHasher{size: size, h: blake3.New()}
}

// Write implements io.Writer; it never fails.
func (b *blockHasher) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		k := min(int64(len(p)), b.size-b.n)
		b.h.Write(p[:k])
		b.n += k
		p = p[k:]
		if b.n == b.size {
			b.sums = b.h.Sum(b.sums)
			b.h.Reset()
			b.n = 0
		}
	}
	return written, nil
}

// Sums returns the block sums of everything written, closing the last,
// shorter block if there is one.
func (b *blockHasher) Sums() []byte {
	if b.n > 0 {
		b.sums = b.h.Sum(b.sums)
		b.h.Reset()
		b.n = 0
	}
	return b.sums
}

// blockCount is the number of blocks of an object of size bytes.
func blockCount(size, blockSize int64) int64 {
	return (size + blockSize - 1) / blockSize
}

// blockSumSize is the length of one block sum.
const blockSumSize = 32

// blockSum is the hash recorded for each block: BLAKE3-256. Every byte a
// download serves is hashed on the way out, and BLAKE3 is a cryptographic
// hash (an altered block cannot be made to match) that runs two to three
// times faster than SHA-256 on the same core, which is what lets verified
// downloads keep up with the object store. The whole file's SHA-256 stays
// the content's identity (ETag, signatures, deduplication).
func blockSum(b []byte) [blockSumSize]byte { return blake3.Sum256(b) }
