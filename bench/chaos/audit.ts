/**
 * After the chaos: is every connection still whole? Each stored refresh token is decrypted through the store with the
 * instances' keyring and spent once at Google's token endpoint (a refresh grant): a token Google no longer honours,
 * or a row without one, is a refresh token lost. A connection in `needs_reconnect` is wrongly marked: nobody revoked
 * anything during the run.
 */
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { Keyring } from '../../src/core/keyring.js';
import { openStore } from '../../src/storage/index.js';
import { type ClusterUser, type ClusterWorld, inBatches } from '../../test/scale/cluster.js';

export interface AuditFigures {
  connections: number;
  refreshTokensLost: string[];
  wronglyNeedsReconnect: string[];
}

export async function auditConnections(world: ClusterWorld, users: readonly ClusterUser[]): Promise<AuditFigures> {
  const keyring = Keyring.parse(world.encryptionKeys);
  const store = await openStore(world.databaseUrl);
  const lost: string[] = [];
  const wrong: string[] = [];
  try {
    await inBatches(users, 8, async (user) => {
      const row = await store.getConnection(user.userId);
      if (row?.status !== 'active') wrong.push(user.email);
      if (!row?.refreshToken) {
        lost.push(user.email);
        return;
      }
      const refreshToken = keyring.decrypt(row.refreshToken, { userId: user.userId, purpose: 'refresh_token' });
      if (!(await googleHonours(world.google.url, refreshToken))) lost.push(user.email);
    });
  } finally {
    await store.close();
  }
  return { connections: users.length, refreshTokensLost: lost, wronglyNeedsReconnect: wrong };
}

async function googleHonours(googleUrl: string, refreshToken: string): Promise<boolean> {
  const response = await fetch(`${googleUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: SANDBOX_BRIDGE_CLIENT.clientId,
      client_secret: SANDBOX_BRIDGE_CLIENT.clientSecret,
    }),
  });
  await response.body?.cancel();
  return response.status === 200;
}
