/** Who performs an admin action, and from where: the subject of audit events. */
export interface Actor {
  /** The acting client's id; `cli` for break-glass commands, `bootstrap` at first start. */
  readonly clientId: string;
  readonly ip: string | null;
  readonly requestId: string | null;
}

export const CLI_ACTOR: Actor = { clientId: 'cli', ip: null, requestId: null };
export const BOOTSTRAP_ACTOR: Actor = { clientId: 'bootstrap', ip: null, requestId: null };
/** Scheduled work the server does by itself, such as automatic key rotation. */
export const SYSTEM_ACTOR: Actor = { clientId: 'system', ip: null, requestId: null };
