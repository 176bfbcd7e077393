import { AUDIT_REDACTED_DETAILS, createAuditLogger, type Logger, writeInfoLine } from '../observability/logger.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditTrail,
  stampAuditEvent,
  toAuditEventResource,
} from './event.js';

/** Writes each event as one JSON log line, so log shippers can forward it. */
export class LogAuditTrail implements AuditTrail {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = createAuditLogger(logger);
  }

  /** Returns the stamped event, so a trail composing this one stores the same id and time as the log line. */
  record(input: AuditEventInput): AuditEvent {
    const event = stampAuditEvent(input);
    const resource = toAuditEventResource(event);
    // Events with a detail the logger censors by name take pino's redacting path; the rest (every token
    // decision) are serialised once, directly.
    if (AUDIT_REDACTED_DETAILS.some((key) => key in event.details)) this.logger.info({ audit: resource }, event.type);
    else writeInfoLine(this.logger, 'audit', JSON.stringify(resource), event.type);
    return event;
  }

  async flush(): Promise<void> {}
}
