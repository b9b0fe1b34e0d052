-- +goose Up
-- Page images of every content object, made in the background after upload
-- (PDFium for PDFs; an uploaded image is its own page). One rendition per
-- distinct content (keyed by its SHA-256), shared by versions with the same
-- bytes. status: pending (being made; pages appear as they are done), ready,
-- failed (reason says why) or text_only (no page images: the piece is shown
-- as its extracted text). claimed_until is the lease of the instance making
-- it, so that a crashed instance's work is taken up again.
CREATE TABLE renditions (
    sha256        TEXT        PRIMARY KEY,
    media_type    TEXT        NOT NULL,
    status        TEXT        NOT NULL,
    reason        TEXT        NOT NULL DEFAULT '',
    pages         INTEGER     NOT NULL DEFAULT 0,
    attempts      INTEGER     NOT NULL DEFAULT 0,
    claimed_until DATETIME,
    created_at    DATETIME    NOT NULL,
    updated_at    DATETIME    NOT NULL
);
CREATE INDEX renditions_pending ON renditions (created_at) WHERE status = 'pending';

-- One rendered page: its size in points as displayed, the screen image and
-- the thumbnail (object keys under renditions/<sha256>/, with the SHA-256 and
-- size that every read is checked against), and PDFium's text of the page
-- with one box per character (4 x uint16 per box, fractions of the page), so
-- that quoted text maps to rectangles on the image.
CREATE TABLE rendition_pages (
    sha256        TEXT             NOT NULL REFERENCES renditions (sha256),
    number        INTEGER          NOT NULL,
    width         REAL             NOT NULL,
    height        REAL             NOT NULL,
    image_key     TEXT             NOT NULL,
    image_sha256  TEXT             NOT NULL,
    image_size    INTEGER NOT NULL,
    image_type    TEXT             NOT NULL,
    image_width   INTEGER          NOT NULL,
    image_height  INTEGER          NOT NULL,
    thumb_key     TEXT             NOT NULL,
    thumb_sha256  TEXT             NOT NULL,
    thumb_size    INTEGER NOT NULL,
    thumb_type    TEXT             NOT NULL,
    thumb_width   INTEGER          NOT NULL,
    thumb_height  INTEGER          NOT NULL,
    text          TEXT             NOT NULL DEFAULT '',
    boxes         BLOB,
    PRIMARY KEY (sha256, number)
);
-- Garbage collection asks whether an object under renditions/ is recorded.
CREATE INDEX rendition_pages_image ON rendition_pages (image_key);
CREATE INDEX rendition_pages_thumb ON rendition_pages (thumb_key);

-- Comment threads pinned to a page region of a version (annotations). A
-- thread is its root row (parent_id NULL) with replies (parent_id = root).
-- Rows are never updated but for the root's state; once the review round
-- of the version a thread sits on closes, nothing is added to it there.
CREATE TABLE annotations (
    id          TEXT             PRIMARY KEY,
    asset_id    TEXT             NOT NULL REFERENCES assets (id),
    version_id  TEXT             NOT NULL REFERENCES versions (id),
    parent_id   TEXT             REFERENCES annotations (id),
    author_id   TEXT             NOT NULL REFERENCES users (id),
    page        INTEGER          NOT NULL DEFAULT 0,
    rect_x      REAL             NOT NULL DEFAULT 0,
    rect_y      REAL             NOT NULL DEFAULT 0,
    rect_w      REAL             NOT NULL DEFAULT 0,
    rect_h      REAL             NOT NULL DEFAULT 0,
    quote       TEXT             NOT NULL DEFAULT '',
    body        TEXT             NOT NULL,
    state       TEXT             NOT NULL DEFAULT 'open',
    resolved_by TEXT             REFERENCES users (id),
    resolved_at DATETIME,
    created_at  DATETIME         NOT NULL
);
CREATE INDEX annotations_asset ON annotations (asset_id, created_at);
CREATE INDEX annotations_parent ON annotations (parent_id, created_at) WHERE parent_id IS NOT NULL;

-- Where a thread sits on each version: on the version it was written on,
-- and on every later version it was carried to (status anchored where its
-- quoted text was found again, text_changed where it was not).
CREATE TABLE annotation_anchors (
    annotation_id TEXT             NOT NULL REFERENCES annotations (id),
    version_id    TEXT             NOT NULL REFERENCES versions (id),
    page          INTEGER          NOT NULL,
    rect_x        REAL             NOT NULL,
    rect_y        REAL             NOT NULL,
    rect_w        REAL             NOT NULL,
    rect_h        REAL             NOT NULL,
    status        TEXT             NOT NULL,
    PRIMARY KEY (version_id, annotation_id)
);
CREATE INDEX annotation_anchors_thread ON annotation_anchors (annotation_id);

-- +goose Down
DROP TABLE annotation_anchors;
DROP TABLE annotations;
DROP TABLE rendition_pages;
DROP TABLE renditions;
