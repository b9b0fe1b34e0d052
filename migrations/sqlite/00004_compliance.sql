-- +goose Up
-- Claims library, electronic signatures and the checker's reports.

CREATE TABLE claims (
    id              TEXT     PRIMARY KEY,
    brand           TEXT     NOT NULL REFERENCES brands (code),
    text            TEXT     NOT NULL,
    category        TEXT     NOT NULL,
    references_json TEXT     NOT NULL,
    variants_json   TEXT     NOT NULL,
    created_at      DATETIME NOT NULL,
    created_by      TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX claims_brand ON claims (brand, id);

-- Electronic signatures (21 CFR 11.50). Never changed.
CREATE TABLE signatures (
    id             TEXT     PRIMARY KEY,
    user_id        TEXT     NOT NULL REFERENCES users (id),
    printed_name   TEXT     NOT NULL,
    function       TEXT     NOT NULL DEFAULT '',
    meaning        TEXT     NOT NULL,
    decision       TEXT     NOT NULL,
    object_type    TEXT     NOT NULL,
    object_id      TEXT     NOT NULL,
    content_sha256 TEXT     NOT NULL,
    signed_at      DATETIME NOT NULL
);
CREATE INDEX signatures_object ON signatures (object_type, object_id);

CREATE TABLE compliance_reports (
    id            TEXT     PRIMARY KEY,
    version_id    TEXT     NOT NULL REFERENCES versions (id),
    brand         TEXT     NOT NULL,
    label_version INTEGER  NOT NULL,
    rules_version TEXT     NOT NULL,
    passed        BOOLEAN  NOT NULL,
    checked_at    DATETIME NOT NULL,
    checked_by    TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX compliance_reports_version ON compliance_reports (version_id, checked_at);

CREATE TABLE findings (
    id                   TEXT    PRIMARY KEY,
    report_id            TEXT    NOT NULL REFERENCES compliance_reports (id),
    seq                  INTEGER NOT NULL,
    rule_id              TEXT    NOT NULL,
    severity             TEXT    NOT NULL,
    message              TEXT    NOT NULL,
    excerpt              TEXT    NOT NULL,
    page                 INTEGER NOT NULL,
    line                 INTEGER NOT NULL,
    waiver_signature_id  TEXT    REFERENCES signatures (id),
    waiver_justification TEXT    NOT NULL DEFAULT '',
    UNIQUE (report_id, seq)
);

ALTER TABLE versions ADD COLUMN compliance_report_id TEXT REFERENCES compliance_reports (id);

-- +goose StatementBegin
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are permanent records');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signatures are permanent records');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER signatures_no_delete;
DROP TRIGGER signatures_no_update;
ALTER TABLE versions DROP COLUMN compliance_report_id;
DROP TABLE findings;
DROP TABLE compliance_reports;
DROP TABLE signatures;
DROP TABLE claims;
