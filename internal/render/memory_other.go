//go:build !(linux || darwin)

package render

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator is nil here: wazero keeps the memory in Go's heap.
func memoryAllocator(limit uint64) experimental.MemoryAllocator { return nil }
