import { InvalidScopeError } from '../../src/oauth/errors.js';
import { grantScopes } from '../../src/oauth/scope.js';

const ROLE = ['admin', 'read', 'write'];

describe('scope granting', () => {
  it.each([
    ['no scope parameter', undefined],
    ['an empty scope', ''],
    ['only spaces', '   '],
  ])("grants every scope of the role, in the role's order, for %s", (_what, requested) => {
    expect(grantScopes(ROLE, requested)).toEqual(['admin', 'read', 'write']);
  });

  it("grants the requested subset in the role's order, once each", () => {
    expect(grantScopes(ROLE, 'write read')).toEqual(['read', 'write']);
    expect(grantScopes(ROLE, 'write  write')).toEqual(['write']);
  });

  it('refuses a request naming any scope outside the role, and names those scopes', () => {
    let error: unknown;
    try {
      grantScopes(ROLE, 'read delete introspect');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidScopeError);
    expect((error as Error).message).toBe("scope not granted to this client's role: delete introspect");
  });

  it('is case-sensitive (RFC 6749 §3.3) and returns a copy, never the role itself', () => {
    expect(() => grantScopes(ROLE, 'READ')).toThrow(InvalidScopeError);
    const granted = grantScopes(ROLE, undefined);
    granted.push('extra');
    expect(ROLE).toEqual(['admin', 'read', 'write']);
  });

  it('grants nothing from a role without scopes, and refuses any request', () => {
    expect(grantScopes([], undefined)).toEqual([]);
    expect(() => grantScopes([], 'read')).toThrow(InvalidScopeError);
  });
});
