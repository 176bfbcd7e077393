/** One audit event as recorded: admin actions and token decisions, for the SIEM. */
export interface AuditEventInput {
  /** Dotted name, e.g. `client.created`, `token.issued`, `token.denied`. */
  readonly type: string;
  /** The acting client's id, `cli`, `system`, or null when nobody authenticated. */
  readonly actor: string | null;
  readonly client_id?: string | null;
  readonly organization_id?: string | null;
  readonly ip?: string | null;
  readonly request_id?: string | null;
  /** Never a secret, token or key: ids, reasons, changed field names and values that are not credentials. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Where audit events go. `record` never blocks and never throws: the token endpoint calls it on every
 * request, so an implementation queues and writes in batches.
 */
export interface AuditTrail {
  record(event: AuditEventInput): void;
  /** Writes whatever is queued; called on shutdown. */
  flush(): Promise<void>;
}
