import type { Knex } from 'knex';
import type { Logger } from '../core/logger.js';
import type { CaptureManager } from './capture-manager.js';
import type { RouteRunner } from './route-runner.js';
import type { SecretBox } from './secret-box.js';
import type { ReplayJobs } from './replay-jobs.js';

/** What the HTTP routes work with; built once by `cdc serve` (src/serve/serve.ts). */
export interface ServeContext {
  db: Knex;
  box: SecretBox;
  captures: CaptureManager;
  routes: RouteRunner;
  replays: ReplayJobs;
  /** The Kafka topic a source's table writes to (the sink's own template and escaping). */
  topicOf(sourceId: string, table: string): string;
  deleteTopic(topic: string): Promise<void>;
  logger: Logger;
}
