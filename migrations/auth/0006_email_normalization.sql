CREATE TABLE `email_conflicts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`conflicting_user_id` text NOT NULL,
	`email_normalized` text NOT NULL,
	`found_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`conflicting_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `email_conflicts_conflicting_user_id_idx` ON `email_conflicts` (`conflicting_user_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `email_normalization` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX `users_email_normalization_idx` ON `users` (`email_normalization`);