import type { Logger } from '../observability/logger.js';
import type { AuditEventInput, AuditTrail } from './types.js';

/** Writes each event as one JSON log line, so log shippers can forward it. */
export class LogAuditTrail implements AuditTrail {
  constructor(private readonly logger: Logger) {}

  record(event: AuditEventInput): void {
    this.logger.info({ audit: { ...event, at: new Date().toISOString() } }, event.type);
  }

  async flush(): Promise<void> {}
}
