import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import { LogAuditTrail } from './log-trail.js';
import { PostgresAuditTrail } from './postgres-trail.js';
import { AuditStore } from './store.js';

/** Every event is one log line at once, and a row in audit_events shortly after. */
export function openAuditTrail(db: Database, logger: Logger): PostgresAuditTrail {
  return new PostgresAuditTrail(new AuditStore(db), new LogAuditTrail(logger), logger);
}
