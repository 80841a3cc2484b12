DROP TABLE integration_secrets;
ALTER TABLE users DROP COLUMN chamilo_user_id;
