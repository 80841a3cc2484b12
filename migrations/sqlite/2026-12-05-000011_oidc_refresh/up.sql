-- Refresh tokens for OpenID clients that ask for them (`offline_access`): Chamilo's oauth2 plugin
-- renews its access token with one instead of signing the person out after an hour. Each is used
-- once; all issued from one authorization code form a family (the code's hash), revoked whole
-- when a used one comes back.
CREATE TABLE oidc_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    session_id TEXT NOT NULL,
    scope      TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family);
