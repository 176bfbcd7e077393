/** Who performs an admin action: the client behind the admin token, or the operator at the CLI. */
export interface Actor {
  /** The acting client's id, or `cli` for break-glass commands run against the database. */
  readonly clientId: string;
}

export const CLI_ACTOR: Actor = { clientId: 'cli' };
