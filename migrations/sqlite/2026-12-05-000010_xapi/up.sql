-- Learning results back (chamilo.md): every xAPI statement Chamilo sends, verbatim, with what the
-- hub made of it. Statements it cannot map to a person and an offer are kept (user_id or offer_id
-- NULL) for the operator.
CREATE TABLE xapi_statements (
    id            TEXT PRIMARY KEY,
    body          TEXT NOT NULL,
    stored_at     TIMESTAMP NOT NULL,
    user_id       TEXT,
    offer_id      TEXT,
    -- 'lp_completed', 'quiz' or 'other'.
    kind          TEXT NOT NULL,
    activity_name TEXT,
    score_percent DOUBLE PRECISION
);
CREATE INDEX xapi_statements_learner ON xapi_statements (user_id, offer_id);

-- How an offer is completed: JSON, NULL meaning "a learning path completed".
ALTER TABLE offers ADD COLUMN completion_rule TEXT;
-- What completed (or failed) an application: the statements, or the person who did it by hand.
ALTER TABLE applications ADD COLUMN completion_evidence TEXT;
