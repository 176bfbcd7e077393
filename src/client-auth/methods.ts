import { type AssertionDependencies, clientAssertion } from './client-assertion.js';
import { clientSecretBasic, clientSecretPost } from './client-secret.js';
import { mutualTls } from './mutual-tls.js';
import type { ClientAuthMethod, RequestFacts } from './types.js';

/**
 * Every client authentication method, in one table: a new method is a module with the ClientAuthMethod
 * shape and an entry here. Secrets come first, so the hot path asks the fewest questions.
 */
export class ClientAuthMethods {
  private readonly table: readonly ClientAuthMethod[];

  constructor(assertions: AssertionDependencies) {
    this.table = [clientSecretBasic, clientSecretPost, clientAssertion(assertions), mutualTls];
  }

  /** The one method the request presents, null for none, or 'several' (RFC 6749 §2.3: invalid_request). */
  presented(facts: RequestFacts): ClientAuthMethod | 'several' | null {
    let found: ClientAuthMethod | null = null;
    for (const method of this.table) {
      if (!method.presents(facts)) continue;
      if (found) return 'several';
      found = method;
    }
    return found;
  }
}
