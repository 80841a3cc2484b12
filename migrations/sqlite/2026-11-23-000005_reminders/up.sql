-- Each deadline reminder is sent once per offer, person and reason, however often the job runs
-- and on however many hubs.
CREATE TABLE reminders_sent (
    offer_id TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason   TEXT NOT NULL,
    sent_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (offer_id, user_id, reason)
);
