import { AUDIT_REDACTED_DETAILS, createAuditLogger, type Logger, writeInfoLine } from '../observability/logger.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditTrail,
  stampAuditEvent,
  toAuditEventResource,
} from './event.js';

/** An event as it was logged: stamped, and serialised as its log line has it (toAuditEventResource). */
export interface LoggedAuditEvent {
  readonly event: AuditEvent;
  readonly json: string;
}

/** Writes each event as one JSON log line, so log shippers can forward it. */
export class LogAuditTrail implements AuditTrail {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = createAuditLogger(logger);
  }

  /**
   * Returns the stamped event and its JSON, so a trail composing this one stores the same id and time as
   * the log line without serialising the event again.
   */
  record(input: AuditEventInput): LoggedAuditEvent {
    const event = stampAuditEvent(input);
    const resource = toAuditEventResource(event);
    const json = JSON.stringify(resource);
    // Events with a detail the logger censors by name take pino's redacting path; the rest (every token
    // decision) are written as serialised.
    if (AUDIT_REDACTED_DETAILS.some((key) => key in event.details)) this.logger.info({ audit: resource }, event.type);
    else writeInfoLine(this.logger, 'audit', json, event.type);
    return { event, json };
  }

  async flush(): Promise<void> {}
}
