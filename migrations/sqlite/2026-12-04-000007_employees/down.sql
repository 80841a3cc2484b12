CREATE TABLE memberships_previous (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
INSERT INTO memberships_previous (user_id, organisation_id, role, created_at)
    SELECT user_id, organisation_id, role, created_at FROM memberships
    WHERE role IN ('staff', 'admin');
DROP TABLE memberships;
ALTER TABLE memberships_previous RENAME TO memberships;
