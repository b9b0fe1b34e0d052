package objectstore

import (
	"context"
	"io"
	"time"
)

// Retainer is a Store that can write an object nobody may delete or
// overwrite before a given time, not even the account that wrote it. It is
// optional: records that must outlive a compromised database or application
// account (the audit trail's checkpoints) use it when the store has it and
// plain Put otherwise. S3 implements it with Object Lock; Local does not, a
// folder on the server's own disk being no stronger than the server.
type Retainer interface {
	// PutRetained is Put, with retention until until when the store can
	// enforce it there; retained reports whether it did. A store that
	// could retain but is not set up for it (an S3 bucket created without
	// object lock) writes the object without retention.
	PutRetained(ctx context.Context, key string, r io.Reader, size int64, until time.Time) (info Info, retained bool, err error)
}

var _ Retainer = (*S3)(nil)

// PutRetained implements Retainer with S3 Object Lock in compliance mode
// when the bucket has object lock enabled. Object lock can only be enabled
// when a bucket is created, so the bucket's configuration is asked on every
// call rather than remembered: it is one small request, and a bucket
// replaced by a locked one is noticed at once.
func (s *S3) PutRetained(ctx context.Context, key string, r io.Reader, size int64, until time.Time) (Info, bool, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, false, err
	}
	locked, err := s.objectLockEnabled(ctx)
	if err != nil {
		return Info{}, false, err
	}
	if !locked {
		info, err := s.Put(ctx, key, r, size)
		return info, false, err
	}
	info, err := s.put(ctx, key, r, size, until)
	return info, err == nil, err
}

// objectLockEnabled reports whether the bucket was created with object lock.
func (s *S3) objectLockEnabled(ctx context.Context) (bool, error) {
	enabled, _, _, _, err := s.client.GetObjectLockConfig(ctx, s.bucket)
	if err != nil {
		if code := s3Code(err); code == "ObjectLockConfigurationNotFoundError" || code == "ObjectLockConfigurationNotFound" {
			return false, nil
		}
		return false, s.translate(ctx, "object lock configuration", "", err)
	}
	return enabled == "Enabled", nil
}

// Retention returns the retention mode and date of the object at key, for
// tests and for an auditor's tooling; "" and the zero time when it has none.
func (s *S3) Retention(ctx context.Context, key string) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	mode, until, err := s.client.GetObjectRetention(ctx, s.bucket, key, "")
	if err != nil {
		if code := s3Code(err); code == "NoSuchObjectLockConfiguration" || code == "InvalidRequest" ||
			code == "ObjectLockConfigurationNotFoundError" {
			return "", time.Time{}, nil
		}
		return "", time.Time{}, s.translate(ctx, "retention", key, err)
	}
	var m string
	if mode != nil {
		m = string(*mode)
	}
	var t time.Time
	if until != nil {
		t = *until
	}
	return m, t, nil
}
