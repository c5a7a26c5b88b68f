/**
 * The MAC over a state-table item (lib/rotation/itemMac.ts): what it covers decides what a
 * writer of the table can replay or reorder. It covers kind, pk, sk and the whole body; field
 * order and members JSON drops do not change it.
 */
import { randomBytes } from 'node:crypto';
import { canonicalJson, HmacItemMac, macMessage } from '../../../lib/rotation/itemMac.js';

const mac = new HmacItemMac(randomBytes(32));
const ARN_A = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw/apiKey/a-AbCdEf';
const ARN_B = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw/apiKey/b-GhIjKl';
const key = { pk: `rotation-ledger#${ARN_A}`, sk: 'version#v1' };
const record = {
  versionId: 'v1',
  state: {
    issuerCredentialId: 'cred-1',
    retiring: [{ issuerCredentialId: 'cred-0', retireAfter: '2026-12-06T00:00:00.000Z' }],
  },
  writtenBy: 'rotator',
  writtenAt: '2026-12-05T00:00:00.000Z',
};

async function signs(signed: unknown, checked: unknown, at = key, as = key): Promise<boolean> {
  const made = await mac.generate(macMessage('ledger', at, signed));
  return mac.verify(macMessage('ledger', as, checked), made);
}

describe('item MAC canonicalisation', () => {
  it('does not depend on the order of fields, at any depth', async () => {
    const reordered = {
      writtenAt: record.writtenAt,
      state: {
        retiring: [{ retireAfter: '2026-12-06T00:00:00.000Z', issuerCredentialId: 'cred-0' }],
        issuerCredentialId: 'cred-1',
      },
      writtenBy: 'rotator',
      versionId: 'v1',
    };

    expect(canonicalJson(reordered)).toBe(canonicalJson(record));
    await expect(signs(record, reordered)).resolves.toBe(true);
  });

  it('ignores members JSON drops (undefined), as the stored body does', async () => {
    await expect(
      signs({ ...record, mint: undefined }, JSON.parse(JSON.stringify(record))),
    ).resolves.toBe(true);
  });

  it.each([
    [
      'a rewritten retire time',
      {
        ...record,
        state: {
          ...record.state,
          retiring: [{ issuerCredentialId: 'cred-0', retireAfter: '2026-12-05T00:00:01.000Z' }],
        },
      },
    ],
    [
      'another credential named as minted',
      { ...record, state: { ...record.state, issuerCredentialId: 'victim' } },
    ],
    ['a field added (a new VersionRecord member)', { ...record, tested: true }],
    [
      'list order changed',
      {
        ...record,
        state: {
          ...record.state,
          retiring: [
            ...record.state.retiring,
            { issuerCredentialId: 'x', retireAfter: 'y' },
          ].reverse(),
        },
      },
    ],
  ])('refuses %s', async (_case, altered) => {
    await expect(signs(record, altered)).resolves.toBe(false);
  });

  it('binds the item to its secret: a record replayed under another secret does not verify', async () => {
    const elsewhere = { pk: `rotation-ledger#${ARN_B}`, sk: 'version#v1' };

    await expect(signs(record, record, key, elsewhere)).resolves.toBe(false);
  });

  it('binds the item to its version: a record replayed as another version does not verify', async () => {
    await expect(signs(record, record, key, { ...key, sk: 'version#v2' })).resolves.toBe(false);
  });

  it('binds the item to its kind: a ledger MAC is no binding MAC, even with one key', async () => {
    const made = await mac.generate(macMessage('ledger', key, record));

    await expect(mac.verify(macMessage('binding', key, record), made)).resolves.toBe(false);
  });

  it('is not fooled by a key boundary moved between pk and sk', async () => {
    const moved = { pk: `${key.pk}version#`, sk: 'v1' };

    await expect(signs(record, record, key, moved)).resolves.toBe(false);
  });

  it('keeps messages short whatever the body (KMS takes at most 4096 bytes)', () => {
    const big = { ...record, padding: 'x'.repeat(100_000) };

    expect(macMessage('ledger', key, big).byteLength).toBe(32);
  });
});
