import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { type DomainServices, Registry } from '../registry.js';
import { type Actor, CLI_ACTOR } from '../x/actor.js';

/**
 * What CLI commands use: the server's own parts from the registry, over a direct database connection,
 * opened on first use and closed once the command is done. Redis is best-effort: a break-glass command
 * goes on without it. Every change is audited with actor `cli`; the run's id is the events' request_id,
 * so one invocation's events can be told apart.
 */
export class CliContext extends Registry {
  readonly actor: Actor = { ...CLI_ACTOR, requestId: `cli-${randomUUID()}` };

  constructor(config: Config, logger: Logger) {
    super(config, logger, 'best-effort');
  }

  async clients(): Promise<DomainServices['clients']> {
    return (await this.services()).clients;
  }
}
