DROP TABLE credentials;
DROP TABLE badges;
DROP TABLE issuer_keys;
