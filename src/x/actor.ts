/** Who performs an admin action, and from where: the subject of audit events. */
export interface Actor {
  /** The acting client's id; `cli` for break-glass commands, `bootstrap` at first start. */
  readonly clientId: string;
  /**
   * The organization the actor administers, which bounds everything it may see and change; null for
   * platform administrators, the CLI and bootstrap, which see everything.
   */
  readonly organizationId: string | null;
  readonly ip: string | null;
  readonly requestId: string | null;
}

export const CLI_ACTOR: Actor = { clientId: 'cli', organizationId: null, ip: null, requestId: null };
export const BOOTSTRAP_ACTOR: Actor = { clientId: 'bootstrap', organizationId: null, ip: null, requestId: null };
/**
 * Scheduled work the server does by itself, such as automatic key rotation.
 * @public (keys/key-manager.ts uses it; knip 6.44 does not see that file's imports)
 */
export const SYSTEM_ACTOR: Actor = { clientId: 'system', organizationId: null, ip: null, requestId: null };

/** True for an organization's administrator, whose reach ends at its organization. */
export function isOrganizationScoped(actor: Actor): actor is Actor & { readonly organizationId: string } {
  return actor.organizationId !== null;
}
