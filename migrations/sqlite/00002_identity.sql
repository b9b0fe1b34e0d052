-- +goose Up
-- Brands are the domains of role assignments. The label profile and its
-- versions are added with the content library.
CREATE TABLE brands (
    code       TEXT        PRIMARY KEY,
    name       TEXT        NOT NULL,
    created_at DATETIME    NOT NULL,
    updated_at DATETIME    NOT NULL
);

CREATE TABLE users (
    id                  TEXT        PRIMARY KEY,
    email               TEXT        NOT NULL,
    email_key           TEXT        NOT NULL UNIQUE, -- lower-cased e-mail: one account per address
    display_name        TEXT        NOT NULL,
    password_hash       TEXT        NOT NULL,
    disabled            BOOLEAN     NOT NULL DEFAULT 0,
    password_changed_at DATETIME    NOT NULL,
    created_at          DATETIME    NOT NULL,
    updated_at          DATETIME    NOT NULL
);

-- One row per role a user holds in a brand ('*' = all brands).
CREATE TABLE role_assignments (
    user_id    TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT        NOT NULL,
    brand      TEXT        NOT NULL,
    created_at DATETIME    NOT NULL,
    PRIMARY KEY (user_id, role, brand)
);

-- Bumped in the same transaction as every change of role assignments, so
-- that every instance reloads its authorization policy on the next request.
CREATE TABLE grants_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO grants_version (id, version) VALUES (1, 1);

-- Web sessions and API tokens. Only the SHA-256 of the secret is stored.
CREATE TABLE sessions (
    token_hash   TEXT        PRIMARY KEY,
    user_id      TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT        NOT NULL CHECK (kind IN ('web', 'api')),
    created_at   DATETIME    NOT NULL,
    last_seen_at DATETIME    NOT NULL,
    expires_at   DATETIME    NOT NULL,
    client_ip    TEXT        NOT NULL DEFAULT '',
    user_agent   TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Recent sign-in attempts, for throttling per account and per address.
CREATE TABLE login_attempts (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    email_key    TEXT        NOT NULL,
    client_ip    TEXT        NOT NULL,
    succeeded    BOOLEAN     NOT NULL,
    attempted_at DATETIME    NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email_key, attempted_at);
CREATE INDEX login_attempts_ip ON login_attempts (client_ip, attempted_at);

-- +goose Down
DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE grants_version;
DROP TABLE role_assignments;
DROP TABLE users;
DROP TABLE brands;
