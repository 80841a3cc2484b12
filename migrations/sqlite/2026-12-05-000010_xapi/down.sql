ALTER TABLE applications DROP COLUMN completion_evidence;
ALTER TABLE offers DROP COLUMN completion_rule;
DROP TABLE xapi_statements;
