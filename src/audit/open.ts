import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import { LogAuditTrail } from './log-trail.js';
import { AUDIT_QUEUE_DEFAULTS, PostgresAuditTrail } from './postgres-trail.js';
import { AuditStore } from './store.js';

/** The event issued for every token: with AUDIT_TOKEN_EVENTS=log, it is a log line only. */
const TOKEN_EVENT_TYPES = ['token.issued'];

/**
 * Every event is one log line at once, and a row in audit_events shortly after; with `tokenEvents`
 * `log`, token.issued events are log lines only.
 */
export function openAuditTrail(db: Database, logger: Logger, tokenEvents: 'database' | 'log'): PostgresAuditTrail {
  return new PostgresAuditTrail(new AuditStore(db), new LogAuditTrail(logger), logger, {
    ...AUDIT_QUEUE_DEFAULTS,
    logOnlyTypes: new Set(tokenEvents === 'log' ? TOKEN_EVENT_TYPES : []),
  });
}
