-- Chamilo as the learning engine (chamilo.md): each person's Chamilo account once provisioned.
ALTER TABLE users ADD COLUMN chamilo_user_id BIGINT;

-- Secrets the hub keeps for the systems it calls (Chamilo's api key), sealed with the master key,
-- so that a restart does not sign in again needlessly.
CREATE TABLE integration_secrets (
    name       TEXT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
