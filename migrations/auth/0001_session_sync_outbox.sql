CREATE TABLE `session_sync_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`user_id` text NOT NULL,
	`session_ids` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE INDEX `session_sync_outbox_pending_idx` ON `session_sync_outbox` (`delivered_at`,`created_at`);