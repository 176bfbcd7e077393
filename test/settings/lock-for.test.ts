import { pino } from 'pino';
import { ApiSwitch } from '../../src/settings/api-switch.js';
import { LocalChangeFeed } from '../../src/sync/change-feed.js';

/** The switches as the database would hold them; the test flips them and publishes the change notice. */
class Switches {
  platformEnabled = true;
  disabled: string[] = [];
  readonly settings = { get: async () => ({ apiEnabled: this.platformEnabled, updatedAt: new Date(0) }) };
  readonly organizations = { disabledIds: async () => [...this.disabled] };
}

async function openSwitch(state: Switches, changes = new LocalChangeFeed()): Promise<ApiSwitch> {
  const apiSwitch = new ApiSwitch(state.settings, state.organizations, changes, pino({ level: 'silent' }), {
    ttlMs: 60_000,
  });
  await apiSwitch.initialize();
  return apiSwitch;
}

const PLATFORM_ADMIN = { role: 'admin', organizationId: null };
const ORG_ADMIN = { role: 'org-admin', organizationId: 'org-a' };
const ORG_CLIENT = { role: 'analyst', organizationId: 'org-a' };
const OTHER_ORG_CLIENT = { role: 'analyst', organizationId: 'org-b' };
const PLATFORM_CLIENT = { role: 'analyst', organizationId: null };
/** Not a platform admin: an admin role inside an organization is kept out by the platform switch. */
const ADMIN_IN_ORG = { role: 'admin', organizationId: 'org-a' };

describe("the API switch's lockFor", () => {
  it('locks nobody while every switch is on', async () => {
    const apiSwitch = await openSwitch(new Switches());
    for (const client of [PLATFORM_ADMIN, ORG_ADMIN, ORG_CLIENT, PLATFORM_CLIENT, ADMIN_IN_ORG])
      expect(apiSwitch.lockFor(client)).toBeNull();
  });

  it('with the platform switch off, locks every client but platform admins', async () => {
    const state = new Switches();
    state.platformEnabled = false;
    const apiSwitch = await openSwitch(state);
    expect(apiSwitch.lockFor(PLATFORM_ADMIN)).toBeNull();
    for (const client of [ORG_ADMIN, ORG_CLIENT, PLATFORM_CLIENT, ADMIN_IN_ORG])
      expect(apiSwitch.lockFor(client)).toBe('platform');
  });

  it("with an organization's switch off, locks its clients but not its org-admins nor other organizations", async () => {
    const state = new Switches();
    state.disabled = ['org-a'];
    const apiSwitch = await openSwitch(state);
    expect(apiSwitch.lockFor(ORG_CLIENT)).toBe('organization');
    expect(apiSwitch.lockFor(ADMIN_IN_ORG)).toBe('organization');
    expect(apiSwitch.lockFor(ORG_ADMIN)).toBeNull();
    expect(apiSwitch.lockFor(OTHER_ORG_CLIENT)).toBeNull();
    expect(apiSwitch.lockFor(PLATFORM_CLIENT)).toBeNull();
    expect(apiSwitch.lockFor(PLATFORM_ADMIN)).toBeNull();
  });

  it('names the platform switch when both are off', async () => {
    const state = new Switches();
    state.platformEnabled = false;
    state.disabled = ['org-a'];
    const apiSwitch = await openSwitch(state);
    expect(apiSwitch.lockFor(ORG_CLIENT)).toBe('platform');
    expect(apiSwitch.lockFor(ORG_ADMIN)).toBe('platform');
  });

  it('reads a flipped switch back as soon as the change notice has been published', async () => {
    const state = new Switches();
    const changes = new LocalChangeFeed();
    const apiSwitch = await openSwitch(state, changes);
    state.disabled = ['org-a'];
    // Nothing reloads without a notice (the TTL is a minute).
    expect(apiSwitch.lockFor(ORG_CLIENT)).toBeNull();
    await changes.publish({ type: 'organization', organizationId: 'org-a' });
    expect(apiSwitch.lockFor(ORG_CLIENT)).toBe('organization');
    state.platformEnabled = false;
    await changes.publish({ type: 'settings' });
    expect(apiSwitch.lockFor(PLATFORM_CLIENT)).toBe('platform');
    // Notices about other things leave the switches alone.
    state.platformEnabled = true;
    await changes.publish({ type: 'roles' });
    expect(apiSwitch.lockFor(PLATFORM_CLIENT)).toBe('platform');
  });
});
