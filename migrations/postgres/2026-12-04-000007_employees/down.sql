DELETE FROM memberships WHERE role IN ('employee', 'invited');
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('staff', 'admin'));
