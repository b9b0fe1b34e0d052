//go:build linux || darwin

package render

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mmapAllocator backs each instance's WebAssembly memory with an address
// range reserved up front and made usable as the module grows it. Growth never
// copies, the memory is outside Go's heap, and closing the instance returns it
// to the system at once. The reservation is the memory limit, so the limit
// also holds here.
type mmapAllocator struct {
	limit uint64 // bytes
}

func (a mmapAllocator) Allocate(_, most uint64) experimental.LinearMemory {
	most = min(most, a.limit)
	buf, err := syscall.Mmap(-1, 0, int(most), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return &mmapMemory{buf: make([]byte, 0, most), heap: true}
	}
	return &mmapMemory{buf: buf[:0]}
}

// mmapMemory is one reserved range; len(buf) is the usable part. If the
// range could not be reserved, buf is an ordinary slice (heap).
type mmapMemory struct {
	buf  []byte
	heap bool
}

func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(m.buf)) {
		return nil
	}
	if n := uint64(len(m.buf)); size > n && !m.heap {
		// Page sizes of WebAssembly (64 KiB) are multiples of the system's.
		if err := syscall.Mprotect(m.buf[n:size], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
	}
	m.buf = m.buf[:size]
	return m.buf
}

func (m *mmapMemory) Free() {
	if cap(m.buf) > 0 && !m.heap {
		_ = syscall.Munmap(m.buf[:cap(m.buf)])
	}
	m.buf = nil
}

func memoryAllocator(limit uint64) experimental.MemoryAllocator { return mmapAllocator{limit: limit} }
