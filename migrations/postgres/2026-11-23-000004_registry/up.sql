-- Applications and enrolment, named trainers, ratings, employer announcements and e-mail
-- preferences (registry.md). Counts shown on offers are derived from these rows, never stored.

CREATE TABLE applications (
    id         TEXT PRIMARY KEY,
    offer_id   TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    applied_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('awaiting_employee', 'pending', 'waitlisted', 'accepted',
                                               'rejected', 'cancelled', 'enrolled', 'completed', 'failed')),
    reason     TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_offer ON applications (offer_id, status, created_at);
CREATE INDEX applications_user ON applications (user_id);

CREATE TABLE offer_trainers (
    offer_id   TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    trainer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    confirmed  BOOLEAN,
    PRIMARY KEY (offer_id, trainer_id)
);

CREATE TABLE ratings (
    id               TEXT PRIMARY KEY,
    offer_id         TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service_stars    INTEGER NOT NULL CHECK (service_stars BETWEEN 1 AND 5),
    service_opinion  TEXT,
    provider_stars   INTEGER NOT NULL CHECK (provider_stars BETWEEN 1 AND 5),
    provider_opinion TEXT,
    trainer_stars    INTEGER NOT NULL CHECK (trainer_stars BETWEEN 1 AND 5),
    trainer_opinion  TEXT,
    hidden_reason    TEXT,
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (offer_id, user_id)
);

CREATE TABLE announcements (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('training_for_employees', 'competency_request')),
    title           TEXT NOT NULL,
    persons         INTEGER NOT NULL CHECK (persons >= 1),
    subject         TEXT NOT NULL,
    location        TEXT,
    industry        TEXT NOT NULL,
    content         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX announcements_open ON announcements (status, kind, industry);

-- Which notification kinds a person does NOT want by e-mail (absent row: they do).
CREATE TABLE email_opt_outs (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
