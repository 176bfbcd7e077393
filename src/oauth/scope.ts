import { InvalidScopeError } from './errors.js';

/** The requested subset of the role's scopes, or all of them when none is requested, in the role's order. */
export function grantScopes(roleScopes: readonly string[], requested: string | undefined): string[] {
  const asked = new Set((requested ?? '').split(' ').filter(Boolean));
  if (asked.size === 0) return [...roleScopes];
  const outside = [...asked].filter((scope) => !roleScopes.includes(scope));
  if (outside.length) throw new InvalidScopeError(`scope not granted to this client's role: ${outside.join(' ')}`);
  return roleScopes.filter((scope) => asked.has(scope));
}
