-- +goose Up
-- Served content is verified content: every stored object carries the
-- BLAKE3-256 of each fixed-size block (block_sums, 32 bytes per block in
-- order), so a download or a ranged read checks every block before its
-- bytes leave the server. Objects stored before this have no block sums
-- (NULL) until the backfill job or their first download computes them.
-- corrupt_at marks an object whose bytes no longer match; nothing is served
-- from it again. verified_at is when the bytes were last read and found
-- intact, which the scrub uses to pace its passes.
ALTER TABLE blobs ADD COLUMN block_size     INTEGER     NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN block_sums     BYTEA;
ALTER TABLE blobs ADD COLUMN verified_at    TIMESTAMPTZ;
ALTER TABLE blobs ADD COLUMN corrupt_at     TIMESTAMPTZ;
ALTER TABLE blobs ADD COLUMN corrupt_reason TEXT        NOT NULL DEFAULT '';

-- The backfill and the scrub look only at these; both stay small.
CREATE INDEX blobs_without_block_sums ON blobs (key) WHERE block_sums IS NULL;
CREATE INDEX blobs_scrub ON blobs (verified_at NULLS FIRST) WHERE corrupt_at IS NULL;

-- +goose Down
DROP INDEX blobs_scrub;
DROP INDEX blobs_without_block_sums;
ALTER TABLE blobs DROP COLUMN corrupt_reason;
ALTER TABLE blobs DROP COLUMN corrupt_at;
ALTER TABLE blobs DROP COLUMN verified_at;
ALTER TABLE blobs DROP COLUMN block_sums;
ALTER TABLE blobs DROP COLUMN block_size;
