import type { Actor } from '../../x/actor.js';

/**
 * The caller of an admin endpoint, from its validated access token; `organizationId` is the token's
 * `org_id` claim (null when it has none).
 */
export interface Principal extends Actor {
  readonly role: string;
  readonly scopes: ReadonlySet<string>;
}

declare module 'koa' {
  interface DefaultState {
    principal?: Principal;
    /** Set for every request before authentication, for audit events and logs. */
    clientIp?: string;
    requestId?: string;
  }
}
