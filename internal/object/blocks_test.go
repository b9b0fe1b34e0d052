package object

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestBlockHasherMatchesBlockSums: however an upload arrives in pieces, the
// sums computed on the way are blockSum of each block, the last one short.
func TestBlockHasherMatchesBlockSums(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes
	const size = 4096
	var want []byte
	for off := 0; off < len(data); off += size {
		s := blockSum(data[off:min(off+size, len(data))])
		want = append(want, s[:]...)
	}
	for _, piece := range []int{1, 7, 4096, 5000, 16000} {
		h := newBlockHasher(size)
		for off := 0; off < len(data); off += piece {
			h.Write(data[off:min(off+piece, len(data))])
		}
		if got := h.Sums(); !bytes.Equal(got, want) {
			t.Errorf("writes of %d: %d bytes of sums, want %d matching", piece, len(got), len(want))
		}
	}
	if n := len(newBlockHasher(size).Sums()); n != 0 {
		t.Errorf("sums of nothing: %d bytes", n)
	}
}

// TestUploadRecordsBlockSums: the blob row of an upload carries its block
// size and block sums, computed while spooling.
func TestUploadRecordsBlockSums(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		v, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.st.Blob(ctx, v.ObjectKey)
		want := blockSum([]byte(piece))
		if err != nil || b.BlockSize != DefaultBlockSize || !bytes.Equal(b.BlockSums, want[:]) || b.CorruptAt != nil {
			t.Fatalf("blob = %+v, %v", b, err)
		}
	})
}

// TestPacedReaderKeepsToItsRate: the scrub's reads take at least as long as
// the rate allows (a lower bound only, so that a slow machine cannot fail
// it).
func TestPacedReaderKeepsToItsRate(t *testing.T) {
	data := make([]byte, 64<<10)
	start := time.Now()
	n, err := io.Copy(io.Discard, paced(context.Background(), bytes.NewReader(data), 256<<10))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("read %d, %v", n, err)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Fatalf("64 KiB at 256 KiB/s took %v, want at least 250ms", elapsed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := io.Copy(io.Discard, paced(ctx, bytes.NewReader(data), 1024)); err == nil {
		t.Fatal("a cancelled paced read went on")
	}
}
