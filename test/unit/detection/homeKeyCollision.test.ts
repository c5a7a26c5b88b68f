import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { fixtureRecord } from './fixtureSupport.js';

/**
 * Attack on the per-account state keys: a member's keys are `acct:<id>|<key>`, the home
 * account's are `<key>` as they always were. A key is often built from request parameters, which
 * a refused call carries as the caller typed them. So a principal of the security account with
 * no rights at all could send a refused call whose parameter reads `acct:<member>|…`, and its
 * home key would be the member's key: the member's own finding then fell in that dedup window
 * (or read that state) and was not raised.
 */
type Json = Record<string, unknown>;

const HOME = '111122223333';
const MEMBER = '222233334444';
const RULE = 'kms-custom-key-store-changed';

const base = fixtureRecord(
  'kmsCustomKeyStoreChanged.fixtures.json',
  'refused attempt to create an external key store (named by the request: no id yet)',
);

function attempt(account: string, storeName: string, minute: number): Json {
  const moved = JSON.parse(JSON.stringify(base).replaceAll(HOME, account)) as Json;
  return {
    ...moved,
    eventID: `attempt-${account}-${minute}`,
    eventTime: new Date(Date.parse('2026-11-20T10:15:00Z') + minute * 60_000).toISOString(),
    requestParameters: {
      ...(moved.requestParameters as Json),
      customKeyStoreName: storeName,
    },
  };
}

async function findingsOf(records: Json[]): Promise<Finding[][]> {
  const engine = new DetectionEngine({ state: memoryState(), homeAccountId: HOME });
  const out: Finding[][] = [];
  for (const raw of records) {
    const parsed = validateRecord(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    out.push((await engine.evaluate(parsed.record)).findings.filter((f) => f.ruleId === RULE));
  }
  return out;
}

describe('home-account keys never land in a member account’s scope', () => {
  it('a refused home call naming `acct:<member>|…` does not hide the member’s own finding', async () => {
    // Act: the home call first, then the member's attempt on the store it names.
    const [home, member] = await findingsOf([
      attempt(HOME, `acct:${MEMBER}|xks-exfil`, 0),
      attempt(MEMBER, 'xks-exfil', 5),
    ]);

    // Assess: both raised; the member's is the member's.
    expect(home).toHaveLength(1);
    expect(member).toHaveLength(1);
    expect(member?.[0]).toMatchObject({ accountId: MEMBER });
  });

  it('home keys keep their form otherwise: the same home attempt twice is still one finding', async () => {
    const [first, second] = await findingsOf([
      attempt(HOME, `acct:${MEMBER}|xks-exfil`, 0),
      attempt(HOME, `acct:${MEMBER}|xks-exfil`, 5),
    ]);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
  });
});
