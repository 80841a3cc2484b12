-- Employers' employees: invited, then employees once they accept. They act for nobody.
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('staff', 'admin', 'employee', 'invited'));
