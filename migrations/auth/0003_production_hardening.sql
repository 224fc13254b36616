ALTER TABLE `refresh_tokens` ADD `derivation_salt` text;--> statement-breakpoint
CREATE UNIQUE INDEX `refresh_tokens_parent_id_unique` ON `refresh_tokens` (`parent_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_session_id_idx` ON `refresh_tokens` (`session_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_user_id_idx` ON `refresh_tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expires_at_idx` ON `refresh_tokens` (`expires_at`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_revoked_at_idx` ON `refresh_tokens` (`revoked_at`);--> statement-breakpoint
CREATE INDEX `oauth_logins_user_id_idx` ON `oauth_logins` (`user_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_at_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `sessions_revoked_at_idx` ON `sessions` (`revoked_at`);