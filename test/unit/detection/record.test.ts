import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { parseEnvelope } from '../../../lib/detection/process.js';
import { isWellFormed, parseRecord, validateRecord } from '../../../lib/detection/record.js';

/**
 * Keys that name prototype machinery (`__proto__`, `constructor`, `prototype`) arrive in
 * CloudTrail records whenever a caller puts them in a request (tags, maps, policy keys).
 * `JSON.parse` makes them ordinary own keys. Validation must neither lose them (zod drops
 * `__proto__` from the objects it copies) nor let them change any object's prototype.
 */
const BASE =
  '"eventVersion":"1.08","eventID":"e-1","eventTime":"2026-03-01T10:00:00Z",' +
  '"eventSource":"s3.amazonaws.com","eventName":"PutBucketTagging"';

function ownValue(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(current, key);
    if (descriptor === undefined) return undefined;
    current = descriptor.value;
  }
  return current;
}

// Each case: record JSON, the path of a `__proto__` key in it, its value. `awsRegion: 5` (a
// wrongly typed optional field) sends the record down the full parse instead of the fast path.
const cases: [string, string, (string | number)[], unknown][] = [
  // The fuzz counterexample: fast-check seed -1958113958, path 80736:0:0:0:0:86:85 (a property
  // comparing the two paths), shrunk to `responseElements: {["__proto__"]: []}`.
  [
    'fuzz counterexample, fast path',
    `{${BASE},"userIdentity":{"type":"IAMUser"},"responseElements":{"__proto__":[]}}`,
    ['responseElements', '__proto__'],
    [],
  ],
  [
    'fuzz counterexample, full parse',
    `{${BASE},"awsRegion":5,"userIdentity":{"type":"IAMUser"},"responseElements":{"__proto__":[]}}`,
    ['responseElements', '__proto__'],
    [],
  ],
  [
    'requestParameters, full parse',
    `{${BASE},"awsRegion":5,"userIdentity":{"type":"IAMUser"},"requestParameters":{"bucketName":"b","__proto__":{"isAdmin":true}}}`,
    ['requestParameters', '__proto__'],
    { isAdmin: true },
  ],
  [
    'the record itself, full parse',
    `{${BASE},"awsRegion":5,"userIdentity":{"type":"IAMUser"},"__proto__":{"isAdmin":true}}`,
    ['__proto__'],
    { isAdmin: true },
  ],
  [
    'session attributes, full parse',
    `{${BASE},"awsRegion":5,"userIdentity":{"type":"AssumedRole","sessionContext":{"attributes":{"__proto__":"x"},"sessionIssuer":{"__proto__":{"arn":"arn:aws:iam::1:role/Admin"}}}}}`,
    ['userIdentity', 'sessionContext', 'attributes', '__proto__'],
    'x',
  ],
  [
    'a resource, full parse',
    `{${BASE},"awsRegion":5,"userIdentity":{"type":"IAMUser"},"resources":[{"ARN":"arn:aws:s3:::b","__proto__":{"type":"x"}}]}`,
    ['resources', 0, '__proto__'],
    { type: 'x' },
  ],
];

describe('record validation and prototype keys', () => {
  it.each(cases)('%s: the key survives as data', (_name, json, path, expected) => {
    // Prepare
    const input: unknown = JSON.parse(json);
    // Act
    const result = validateRecord(input);
    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(ownValue(result.record, ...path)).toEqual(expected);
    // Every object the record holds keeps the ordinary prototype; nothing gained fields.
    const holder = ownValue(result.record, ...path.slice(0, -1));
    expect(Object.getPrototypeOf(holder)).toBe(Object.prototype);
    expect((holder as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(result.record.userIdentity.sessionContext?.sessionIssuer?.arn).toBeUndefined();
  });

  it.each(cases)('%s: both paths give the same record', (_name, json) => {
    const input: unknown = JSON.parse(json);
    const viaParse = parseRecord(input);
    expect(viaParse.ok).toBe(true);
    // Whatever the fast path accepts, the full parse returns unchanged.
    if (isWellFormed(input)) expect(viaParse).toEqual({ ok: true, record: input });
    expect(validateRecord(input)).toEqual(viaParse);
  });

  it('keeps `constructor` and `prototype` keys and pollutes nothing through the engine', async () => {
    // Prepare: a record naming every prototype key at several depths, on the full-parse path.
    const input: unknown = JSON.parse(
      `{${BASE},"awsRegion":5,"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"},` +
        '"requestParameters":{"constructor":{"prototype":{"polluted":1}},' +
        '"__proto__":{"polluted":2},"tagging":{"__proto__":{"polluted":3}}}}',
    );
    const engine = new DetectionEngine({ state: memoryState() });
    // Act
    const result = validateRecord(input);
    if (!result.ok) throw new Error(result.reason);
    const evaluation = await engine.evaluate(result.record);
    // Assess
    expect(evaluation.ruleErrors).toEqual([]);
    expect(ownValue(result.record, 'requestParameters', 'constructor')).toEqual({
      prototype: { polluted: 1 },
    });
    expect(ownValue(result.record, 'requestParameters', 'tagging', '__proto__')).toEqual({
      polluted: 3,
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('the live path keeps a `__proto__` key of the EventBridge detail, as replay does', () => {
    // Prepare
    const detail = `{${BASE},"userIdentity":{"type":"IAMUser"},"__proto__":{"eventName":"x"}}`;
    const body = `{"detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":${detail}}`;
    // Act
    const parsed = parseEnvelope(body);
    // Assess
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(ownValue(parsed.record, '__proto__')).toEqual({ eventName: 'x' });
    expect(parsed.record).toEqual(validateRecord(JSON.parse(detail)).ok && JSON.parse(detail));
  });
});

describe('the account of a record delivered by EventBridge', () => {
  const envelope = (detail: string, account?: string) =>
    JSON.stringify({
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      ...(account === undefined ? {} : { account }),
      detail: JSON.parse(detail),
    });
  // A role of account 444455556666 acting in 111122223333: the caller's account is not the
  // account the event happened in.
  const crossAccountCaller = `{${BASE},"userIdentity":{"type":"AssumedRole","accountId":"444455556666","arn":"arn:aws:sts::444455556666:assumed-role/ops/alice"}}`;

  it('takes the envelope account when the record has no recipientAccountId', () => {
    // Act
    const parsed = parseEnvelope(envelope(crossAccountCaller, '111122223333'));
    // Assess
    expect(parsed.ok && parsed.record.recipientAccountId).toBe('111122223333');
  });

  it("keeps the record's own recipientAccountId", () => {
    const detail = crossAccountCaller.replace('{', '{"recipientAccountId":"777788889999",');
    const parsed = parseEnvelope(envelope(detail, '111122223333'));
    expect(parsed.ok && parsed.record.recipientAccountId).toBe('777788889999');
  });

  it('ignores an envelope account that is not an account id', () => {
    const parsed = parseEnvelope(envelope(crossAccountCaller, 'not-an-account'));
    expect(parsed.ok && parsed.record.recipientAccountId).toBeUndefined();
  });
});
