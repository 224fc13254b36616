CREATE INDEX `agent_runs_user_id_idx` ON `agent_runs` (`user_id`);--> statement-breakpoint
CREATE INDEX `agent_runs_thread_id_idx` ON `agent_runs` (`thread_id`);