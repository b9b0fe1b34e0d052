-- +goose Up
-- Claims library, electronic signatures and the checker's reports.

CREATE TABLE claims (
    id              TEXT        PRIMARY KEY,
    brand           TEXT        NOT NULL REFERENCES brands (code),
    text            TEXT        NOT NULL,
    category        TEXT        NOT NULL,
    references_json TEXT        NOT NULL, -- JSON array of strings
    variants_json   TEXT        NOT NULL, -- JSON array of strings
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX claims_brand ON claims (brand, id);

-- Electronic signatures (21 CFR 11.50): who, printed name, meaning, what
-- was decided, when, and the SHA-256 of the content signed. Never changed.
CREATE TABLE signatures (
    id             TEXT        PRIMARY KEY,
    user_id        TEXT        NOT NULL REFERENCES users (id),
    printed_name   TEXT        NOT NULL,
    function       TEXT        NOT NULL DEFAULT '',
    meaning        TEXT        NOT NULL,
    decision       TEXT        NOT NULL,
    object_type    TEXT        NOT NULL,
    object_id      TEXT        NOT NULL,
    content_sha256 TEXT        NOT NULL,
    signed_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX signatures_object ON signatures (object_type, object_id);

CREATE TABLE compliance_reports (
    id            TEXT        PRIMARY KEY,
    version_id    TEXT        NOT NULL REFERENCES versions (id),
    brand         TEXT        NOT NULL,
    label_version INTEGER     NOT NULL,
    rules_version TEXT        NOT NULL,
    passed        BOOLEAN     NOT NULL,
    checked_at    TIMESTAMPTZ NOT NULL,
    checked_by    TEXT        NOT NULL DEFAULT ''
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

-- The newest report of each version.
ALTER TABLE versions ADD COLUMN compliance_report_id TEXT REFERENCES compliance_reports (id);

-- +goose StatementBegin
CREATE FUNCTION signatures_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'signatures are permanent records' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER signatures_immutable BEFORE UPDATE OR DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION signatures_immutable();

-- +goose Down
ALTER TABLE versions DROP COLUMN compliance_report_id;
DROP TABLE findings;
DROP TABLE compliance_reports;
DROP TABLE signatures;
DROP FUNCTION signatures_immutable();
DROP TABLE claims;
