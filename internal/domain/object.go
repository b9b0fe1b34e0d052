package domain

import "time"

// ObjectUse is a version whose content is a given object.
type ObjectUse struct {
	VersionID string
	Number    int
	AssetID   string
	JobCode   string
	Brand     string
}

// CorruptObject is an object marked corrupt, with the versions it serves.
type CorruptObject struct {
	StoredObject
	Uses []ObjectUse
}

// StoredObject is a recorded object with what its content must hash to.
type StoredObject struct {
	Key    string
	SHA256 string
	Size   int64
	// BlockSums holds the BLAKE3-256 hash of each BlockSize-long block of
	// the content, 32 bytes per block (the last block may be shorter).
	// BlockSums is nil for an object stored before blocks were recorded.
	BlockSize int64
	BlockSums []byte
	// CorruptAt is set once the object was found not to match; it is then
	// never served again. CorruptReason says what did not match.
	CorruptAt     *time.Time
	CorruptReason string
}
