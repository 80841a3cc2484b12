DROP TABLE qdr_attempts;
DROP TABLE qdr_chunks;
DROP TABLE qdr_versions;
