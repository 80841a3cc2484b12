-- The approval workflow of registry.md: why an offer was rejected, and the pending revision of a
-- published offer (its full new state as JSON), which needs approval while the published one
-- stays visible.
ALTER TABLE offers ADD COLUMN rejection_reason TEXT;
ALTER TABLE offers ADD COLUMN revision TEXT;
ALTER TABLE offers ADD COLUMN revision_status TEXT CHECK (revision_status IN ('draft', 'pending_review', 'rejected'));
ALTER TABLE offers ADD COLUMN revision_reason TEXT;
