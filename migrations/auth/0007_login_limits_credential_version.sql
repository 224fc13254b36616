PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_login_failures` (
	`email_normalized` text NOT NULL,
	`scope` text DEFAULT 'account' NOT NULL,
	`failures` integer NOT NULL,
	`window_started_at` integer NOT NULL,
	PRIMARY KEY(`email_normalized`, `scope`)
);
--> statement-breakpoint
-- Edited by hand: drizzle-kit copied the new `scope` column from the old table, which has none;
-- the counts kept are per-account ones, which the default names.
INSERT INTO `__new_login_failures`("email_normalized", "failures", "window_started_at") SELECT "email_normalized", "failures", "window_started_at" FROM `login_failures`;--> statement-breakpoint
DROP TABLE `login_failures`;--> statement-breakpoint
ALTER TABLE `__new_login_failures` RENAME TO `login_failures`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `login_failures_window_started_at_idx` ON `login_failures` (`window_started_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `credential_version` integer DEFAULT 0 NOT NULL;