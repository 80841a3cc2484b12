-- Identity: sessions, one-time tokens, sign-in attempts, consents, notifications, the OpenID
-- Provider (clients, codes, signing keys, grants), upstream providers and partner API keys.
-- Every secret is stored hashed (SHA-256 of a random token) or encrypted with the master key.

ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;

-- A browser session or an API sign-in; refresh tokens and access tokens hang off it.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
    csrf_token   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Rotating refresh tokens: using one marks it used and issues the next in the same family;
-- presenting a used one ends the session (token theft).
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);

-- Single-use links sent by e-mail: confirmation (48 h) and password reset (1 h).
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);

CREATE TABLE login_attempts (
    id      BIGSERIAL PRIMARY KEY,
    email   TEXT NOT NULL,
    ip      TEXT,
    at      TIMESTAMP NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);

CREATE TABLE consents (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document TEXT NOT NULL,
    version  TEXT NOT NULL,
    at       TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, document, version)
);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    secret_hash               TEXT,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',
    first_party               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                TIMESTAMP NOT NULL
);

CREATE TABLE oidc_codes (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP
);

-- Access tokens the OpenID Provider issued, so a replayed code can revoke them.
CREATE TABLE oidc_tokens (
    jti        TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Scopes a person has granted a third-party client (first-party clients need none).
CREATE TABLE oidc_grants (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope     TEXT NOT NULL,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- RS256 keys; the private half is encrypted with the master key. A retired key stays published
-- until every token it signed has expired.
CREATE TABLE signing_keys (
    kid                   TEXT PRIMARY KEY,
    private_key_encrypted TEXT NOT NULL,
    public_jwk            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    retired_at            TIMESTAMP
);

CREATE TABLE upstream_providers (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL UNIQUE,
    issuer                  TEXT NOT NULL,
    client_id               TEXT NOT NULL,
    client_secret_encrypted TEXT NOT NULL,
    scopes                  TEXT NOT NULL,
    created_at              TIMESTAMP NOT NULL
);

CREATE TABLE upstream_links (
    provider_id TEXT NOT NULL REFERENCES upstream_providers (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (provider_id, subject)
);

-- An upstream sign-in in progress: what to resume once the upstream provider answers.
CREATE TABLE upstream_flows (
    state         TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL REFERENCES upstream_providers (id) ON DELETE CASCADE,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    provider_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    per_minute  INTEGER NOT NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
