import { createAuditLogger, type Logger } from '../observability/logger.js';
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
    this.logger.info({ audit: toAuditEventResource(event) }, event.type);
    return event;
  }

  async flush(): Promise<void> {}
}
