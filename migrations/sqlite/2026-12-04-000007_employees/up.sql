-- Employers' employees: invited, then employees once they accept. They act for nobody.
-- SQLite cannot change a CHECK constraint: the table is made again with the wider one.
CREATE TABLE memberships_next (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('staff', 'admin', 'employee', 'invited')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
INSERT INTO memberships_next (user_id, organisation_id, role, created_at)
    SELECT user_id, organisation_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_next RENAME TO memberships;
