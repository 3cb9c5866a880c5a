-- One database per service (each service owns its schema; none reads another's tables).
-- Run once by the postgres image on an empty data volume (docker-compose.yml mounts it
-- into /docker-entrypoint-initdb.d/).
CREATE DATABASE client_directory;
CREATE DATABASE customer_account;
CREATE DATABASE commerce_access;
CREATE DATABASE training_progress;
CREATE DATABASE gateway;
