DROP INDEX `session_sync_outbox_pending_idx`;--> statement-breakpoint
CREATE INDEX `session_sync_outbox_pending_idx` ON `session_sync_outbox` (`delivered_at`,`attempts`,`created_at`);