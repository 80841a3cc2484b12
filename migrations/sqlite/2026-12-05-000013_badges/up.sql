-- Open Badges (open-badges.md). A provider's signing keys: Ed25519, the secret sealed with the
-- master key. A rotated key is retired, never deleted: badges it signed stay verifiable.
CREATE TABLE issuer_keys (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- Multikey (z6Mk…): also the fragment of the verification method's URL.
    public_key      TEXT NOT NULL UNIQUE,
    secret_sealed   TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    retired_at      TIMESTAMP
);
CREATE INDEX issuer_keys_organisation ON issuer_keys (organisation_id, created_at);

-- A badge a provider defines on an offer, with the rule that awards it (JSON).
CREATE TABLE badges (
    id               TEXT PRIMARY KEY,
    offer_id         TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    criteria         TEXT NOT NULL,
    achievement_type TEXT NOT NULL,
    eqf_level        INTEGER,
    ects             DOUBLE PRECISION,
    -- ESCO skill IRIs (JSON list).
    skills           TEXT NOT NULL,
    -- PNG; NULL: a plain image is drawn.
    image            BLOB,
    valid_days       INTEGER,
    rule             TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX badges_offer ON badges (offer_id);

-- An issued credential: one per badge and completion, the signed JSON kept as issued. It is
-- written only once signed: a failure leaves nothing, and the issuing delivery retries.
CREATE TABLE credentials (
    id              TEXT PRIMARY KEY,
    badge_id        TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The credential's bit in its organisation's revocation list.
    status_index    INTEGER NOT NULL,
    issued_at       TIMESTAMP NOT NULL,
    document        TEXT NOT NULL,
    revoked_at      TIMESTAMP,
    revoked_reason  TEXT,
    UNIQUE (badge_id, application_id),
    UNIQUE (organisation_id, status_index)
);
CREATE INDEX credentials_user ON credentials (user_id, issued_at);
