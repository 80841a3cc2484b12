ALTER TABLE offers DROP COLUMN revision_reason;
ALTER TABLE offers DROP COLUMN revision_status;
ALTER TABLE offers DROP COLUMN revision;
ALTER TABLE offers DROP COLUMN rejection_reason;
