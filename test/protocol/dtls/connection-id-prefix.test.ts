import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type DtlsRemoteInfo, DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';
import { connectionIdPrefix } from '../../../server/security/dtls-credentials.ts';
import { eventually } from '../../helpers/server.ts';

const PSK = randomBytes(16);
const open: DtlsSocket[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

describe('connection IDs carry the node prefix', () => {
  it('every CID the server issues starts with its prefix, and records carrying it are parsed at the full length', async () => {
    const prefix = connectionIdPrefix('node-a');
    expect(prefix).toHaveLength(2);
    expect(connectionIdPrefix('node-a')).toEqual(prefix);
    expect(connectionIdPrefix('node-b')).not.toEqual(prefix);
    const srv = await DtlsSocket.bind({ server: { pskKey: () => PSK }, connectionIdPrefix: prefix });
    open.push(srv);
    const cids: Buffer[] = [];
    const client = await DtlsSocket.bind({
      client: { psk: { identity: 'dev', key: PSK }, connectionIdLength: 4 },
      dropOutgoing: (d) => {
        if (d[0] === 25) cids.push(Buffer.from(d.subarray(11, 19)));
        return false;
      },
    });
    open.push(client);
    const got: DtlsRemoteInfo[] = [];
    srv.on('message', (_d: Buffer, info: DtlsRemoteInfo) => got.push(info));
    for (const m of ['a', 'b']) client.send(Buffer.from(m), srv.address().port, '127.0.0.1');
    await eventually(() => got.length === 2, 'records with the prefixed CID delivered');
    expect(cids.length).toBeGreaterThanOrEqual(2);
    for (const cid of cids) expect(cid.subarray(0, 2)).toEqual(prefix);
    expect(cids[0].subarray(2)).not.toEqual(Buffer.alloc(6));
  });

  it('refuses a prefix longer than 8 bytes', async () => {
    await expect(DtlsSocket.bind({ server: { pskKey: () => PSK }, connectionIdPrefix: Buffer.alloc(9) })).rejects.toThrow(/connectionIdPrefix/);
  });
});
