-- Runs once, when the MySQL container starts with an empty data directory (mounted into
-- /docker-entrypoint-initdb.d by docker/compose.yml), after the image's entrypoint has
-- created MYSQL_DATABASE and MYSQL_USER from the environment.
--
-- * the application database (compose's default name `mspromo`; the entrypoint creates
--   it under whatever name MYSQL_DATABASE gives),
-- * `mspromo_test` for the MySQL tests (MSPROMO_TEST_MYSQL_URL), whose fixtures also create
--   and drop per-test databases named `mspromo_test_*`,
-- * grants on both to the application user, whatever MYSQL_USER names it.
-- No password appears here: the users come from the container's environment.

CREATE DATABASE IF NOT EXISTS `mspromo`
    CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `mspromo_test`
    CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- The application user is the one non-root account the entrypoint created for any host.
SET @app_user = (
    SELECT `User` FROM mysql.user
    WHERE `Host` = '%' AND `User` <> 'root' AND `User` NOT LIKE 'mysql.%'
    ORDER BY `User` LIMIT 1
);

SET @grant_app = COALESCE(
    CONCAT('GRANT ALL PRIVILEGES ON `mspromo`.* TO ', QUOTE(@app_user), '@''%'''),
    'DO 0'
);
PREPARE stmt FROM @grant_app;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- `mspromo\_test%` covers mspromo_test and the per-test databases mspromo_test_<worker>_<id>.
SET @grant_test = COALESCE(
    CONCAT('GRANT ALL PRIVILEGES ON `mspromo\\_test%`.* TO ', QUOTE(@app_user), '@''%'''),
    'DO 0'
);
PREPARE stmt FROM @grant_test;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

FLUSH PRIVILEGES;
