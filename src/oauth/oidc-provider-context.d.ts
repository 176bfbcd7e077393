/**
 * oidc-provider keeps each request's context in this AsyncLocalStorage (its lib/helpers/als.js, a module
 * without types of its own). The version is pinned, and test/oauth/provider-contract.test.ts checks that
 * the provider still runs its requests in it. The default export is the module's own shape, not a choice
 * of ours.
 */
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';

  const requestContext: AsyncLocalStorage<unknown>;
  export default requestContext;
}
