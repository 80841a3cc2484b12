-- The QDR dataset (europass.md, "Publishing to QDR"): one row per version, each a LOQ document of
-- the offers published at the time, never changed once written.
CREATE TABLE qdr_versions (
    number       INTEGER PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL,
    -- When the build that made it began reading the offers: of two hubs' builds, the one that
    -- read later wins, whichever finished first.
    built_from   TIMESTAMP NOT NULL,
    notes        TEXT NOT NULL,
    -- SHA-256 of the XML, hex: the ETag, and how an unchanged dataset is told from a new one.
    content_hash TEXT NOT NULL,
    offer_count  INTEGER NOT NULL,
    byte_size    BIGINT NOT NULL,
    -- Offers a pre-publication check kept out, and why (JSON).
    excluded     TEXT NOT NULL
);

-- A version's XML, gzip-compressed, in pieces of at most 1 MiB: neither writing nor serving a
-- large dataset holds it whole.
CREATE TABLE qdr_chunks (
    version INTEGER NOT NULL REFERENCES qdr_versions (number) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (version, seq)
);

-- Every push of a version to the QDR API, with what QDR answered.
CREATE TABLE qdr_attempts (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    version  INTEGER NOT NULL REFERENCES qdr_versions (number) ON DELETE CASCADE,
    at       TIMESTAMP NOT NULL,
    -- The HTTP status; NULL when no answer came.
    status   INTEGER,
    ok       BOOLEAN NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX qdr_attempts_version ON qdr_attempts (version, id);
