-- The foundation: people, organisations, offers, the outbox and the audit log.
-- Identifiers are UUIDs as text so that one diesel schema serves PostgreSQL and SQLite alike.
-- Times are UTC (TIMESTAMP without zone, by convention; see DESIGN.md).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('en', 'pl', 'it', 'el')),
    status        TEXT NOT NULL CHECK (status IN ('unconfirmed', 'active', 'locked', 'deleted')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Roles a person holds on their own account; staff roles live in memberships.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('trainee', 'trainer', 'superadmin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('provider', 'employer')),
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
    city       TEXT,
    country    TEXT,
    website    TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organisations_kind_name ON organisations (kind, name);

CREATE TABLE memberships (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);

CREATE TABLE offers (
    id                   TEXT PRIMARY KEY,
    version              INTEGER NOT NULL DEFAULT 1,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'pending_review', 'published', 'rejected', 'withdrawn', 'archived')),
    provider_id          TEXT NOT NULL REFERENCES organisations (id),
    default_language     TEXT NOT NULL CHECK (default_language IN ('en', 'pl', 'it', 'el')),
    industry             TEXT NOT NULL,
    isced_f_code         TEXT,
    esco_skills          TEXT NOT NULL DEFAULT '[]',
    languages            TEXT NOT NULL DEFAULT '[]',
    mode                 TEXT NOT NULL CHECK (mode IN ('onsite', 'online', 'hybrid', 'blended')),
    vr_ar                BOOLEAN NOT NULL DEFAULT FALSE,
    street               TEXT,
    postal_code          TEXT,
    city                 TEXT,
    country              TEXT,
    start_date           DATE NOT NULL,
    end_date             DATE NOT NULL,
    application_deadline DATE,
    schedule             TEXT NOT NULL DEFAULT '[]',
    hours                INTEGER NOT NULL CHECK (hours > 0),
    price_minor          BIGINT NOT NULL CHECK (price_minor >= 0),
    price_currency       TEXT NOT NULL,
    subsidised           BOOLEAN NOT NULL DEFAULT FALSE,
    eqf_level            INTEGER CHECK (eqf_level BETWEEN 1 AND 8),
    ects                 DOUBLE PRECISION CHECK (ects >= 0),
    min_participants     INTEGER NOT NULL CHECK (min_participants >= 1),
    max_participants     INTEGER NOT NULL,
    microcredential      BOOLEAN NOT NULL DEFAULT FALSE,
    qualification_refs   TEXT NOT NULL DEFAULT '[]',
    chamilo_course_code  TEXT,
    created_by           TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    published_at         TIMESTAMP,
    CHECK (end_date >= start_date),
    CHECK (max_participants >= min_participants)
);
CREATE INDEX offers_status_start ON offers (status, start_date);
CREATE INDEX offers_provider ON offers (provider_id);

-- Every text field of an offer, per language; the default language's text is one of these rows.
CREATE TABLE offer_translations (
    offer_id                 TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    language                 TEXT NOT NULL CHECK (language IN ('en', 'pl', 'it', 'el')),
    title                    TEXT NOT NULL,
    description              TEXT NOT NULL,
    learning_outcomes        TEXT NOT NULL DEFAULT '[]',
    acquired_documents       TEXT NOT NULL DEFAULT '[]',
    validation               TEXT,
    target_group             TEXT,
    participant_requirements TEXT,
    staff_requirements       TEXT,
    vr_ar_instructions       TEXT,
    PRIMARY KEY (offer_id, language)
);

-- The outbox: every write appends its event in the same transaction.
CREATE TABLE events (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    actor_id     TEXT,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- One row per event and consumer subscribed to its kind, written with the event.
CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    event_id        BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    consumer        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMP,
    last_error      TEXT,
    delivered_at    TIMESTAMP,
    UNIQUE (event_id, consumer)
);
CREATE INDEX deliveries_due ON deliveries (consumer, status, next_attempt_at);

CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_id     TEXT,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT,
    ip           TEXT,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Which consumers want which event kinds. Appending an event fans it out to a delivery per
-- subscribed consumer in the same statement, so no event is ever missed or half-delivered.
CREATE TABLE subscriptions (
    consumer TEXT NOT NULL,
    kind     TEXT NOT NULL,
    PRIMARY KEY (consumer, kind)
);
