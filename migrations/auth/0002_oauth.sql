CREATE TABLE `oauth_logins` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`browser_binding_hash` text NOT NULL,
	`code_verifier` text NOT NULL,
	`nonce` text,
	`redirect_uri` text NOT NULL,
	`return_to` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`callback_at` integer,
	`user_id` text,
	`handoff_hash` text,
	`handoff_expires_at` integer,
	`handoff_used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_logins_handoff_hash_unique` ON `oauth_logins` (`handoff_hash`);--> statement-breakpoint
CREATE INDEX `oauth_logins_expires_at_idx` ON `oauth_logins` (`expires_at`);--> statement-breakpoint
CREATE TABLE `user_identities` (
	`issuer` text NOT NULL,
	`subject` text NOT NULL,
	`provider` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`email_verified` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_login_at` integer NOT NULL,
	PRIMARY KEY(`issuer`, `subject`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `user_identities_user_id_idx` ON `user_identities` (`user_id`);