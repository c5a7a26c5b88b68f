/**
 * `gatewarden register update` is the one path that accepts a changed document, so the operator
 * must see exactly what will be pinned, and `--yes` must pin exactly what was seen (issue 17 §7).
 * A secret writer puts terminal escapes in a URL: the review shows them escaped, never acts on
 * them. `--yes` needs the review's hash (`--expect`), and a document changed after the review
 * is refused with the old hash.
 */
import { controlOver } from '../rotation/support/FakeSecretStore.js';
import { makeWorld, type World } from '../rotation/support/fakes.js';
import { runRegisterUpdate } from '../../../cli/commands/registerUpdate.js';
import { UsageError } from '../../../cli/errors.js';
import type { SecretDocument } from '../../../lib/rotation/secretDocument.js';

/**
 * What the operator would see: ESC sequences that move the cursor up and erase the line, then a
 * harmless-looking change and a right-to-left override — while the real value points at the
 * attacker's host. (A carriage return or line break would be dropped by URL parsing already.)
 */
const DISGUISED =
  'https://attacker.example/collect' +
  '\u001b[1A\u001b[2K  test.probe.url: https://api.example/ping -> https://api.example/v2/ping' +
  '\u202egnp.ipa\u2066\u200b';

type Doc = SecretDocument & Record<string, unknown>;

function rewrite(world: World, change: (doc: Doc) => void): void {
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc;
  change(doc);
  world.store.putValue(world.secretName, JSON.stringify(doc));
}

function setProbeUrl(url: string): (doc: Doc) => void {
  return (doc) => {
    if (!doc.test.probe) throw new Error('the fixture has a probe');
    doc.test.probe.url = url;
  };
}

async function run(
  world: World,
  flags: { yes?: boolean; expect?: string; json?: boolean },
): Promise<string> {
  let out = '';
  await runRegisterUpdate(
    { secret: world.secretName, ...flags },
    { control: controlOver(world.store), bindings: world.bindings },
    { stdout: { write: (s: string) => (out += s) } },
  );
  return out;
}

async function pinnedProbeUrl(world: World): Promise<unknown> {
  const arn = (await world.store.describe(world.secretName)).arn;
  return (await world.bindings.binding(arn))?.steering.test.probe?.url;
}

/** The review's hash, as the text output prints it. */
function hashIn(review: string): string {
  const hash = /--expect ([0-9a-f]{64})/.exec(review)?.[1];
  if (!hash) throw new Error(`no hash in the review:\n${review}`);
  return hash;
}

const RAW_CONTROLS =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

describe('register update shows what it pins and pins what it showed', () => {
  it('shows a URL laden with ESC and bidi characters escaped, attacker host in plain sight', async () => {
    // Prepare
    const world = makeWorld();
    rewrite(world, setProbeUrl(DISGUISED));

    // Act
    const review = await run(world, {});

    // Assess: nothing a terminal would act on, every hidden character visible.
    expect(review).not.toMatch(RAW_CONTROLS);
    expect(review).toContain(
      'test.probe.url: https://api.example/ping -> https://attacker.example/collect\\u001B[1A\\u001B[2K  test.probe.url',
    );
    expect(review).toContain('\\u202Egnp.ipa\\u2066\\u200B');
    expect(review.split('\n').filter((line) => line.includes('test.probe.url'))).toHaveLength(1);
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/ping');
  });

  it('keeps the JSON review valid JSON with the exact value, yet free of raw controls', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl(DISGUISED));

    const review = await run(world, { json: true });

    expect(review).not.toMatch(RAW_CONTROLS);
    const parsed = JSON.parse(review) as { changes: { after: string }[]; reviewHash: string };
    expect(parsed.changes[0]?.after).toBe(DISGUISED);
    expect(parsed.reviewHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses --yes without --expect, pinning nothing', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl(DISGUISED));

    const outcome = await run(world, { yes: true }).catch((e: unknown) => e);

    expect(outcome).toBeInstanceOf(UsageError);
    expect(String(outcome)).toMatch(/--yes needs --expect/);
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/ping');
  });

  it('refuses --yes with the hash of another review, pinning nothing', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl(DISGUISED));

    const outcome = await run(world, { yes: true, expect: 'f'.repeat(64) }).catch(
      (e: unknown) => e,
    );

    expect(String(outcome)).toMatch(/changed since the review/);
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/ping');
  });

  it('refuses a document changed after the review (the old --expect), pinning nothing', async () => {
    // Prepare: the operator reviews a legitimate change…
    const world = makeWorld();
    rewrite(world, setProbeUrl('https://api.example/v2/ping'));
    const hash = hashIn(await run(world, {}));
    // …and the secret's writer swaps the document before the operator confirms.
    rewrite(world, setProbeUrl('https://attacker.example/collect'));

    // Act
    const outcome = await run(world, { yes: true, expect: hash }).catch((e: unknown) => e);

    // Assess
    expect(String(outcome)).toMatch(/changed since the review/);
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/ping');
  });

  it('refuses the reviewed values written again as a new version (the hash covers the version)', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl('https://api.example/v2/ping'));
    const hash = hashIn(await run(world, {}));
    rewrite(world, () => undefined); // same fields, another version (and another credential)

    const outcome = await run(world, { yes: true, expect: hash }).catch((e: unknown) => e);

    expect(String(outcome)).toMatch(/changed since the review/);
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/ping');
  });

  it('pins exactly the reviewed document with its hash', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl('https://api.example/v2/ping'));
    const hash = hashIn(await run(world, {}));

    const applied = await run(world, { yes: true, expect: hash });

    expect(applied).toContain('pinned as revision 2');
    expect(await pinnedProbeUrl(world)).toBe('https://api.example/v2/ping');
  });
});

describe('register update with nothing to pin', () => {
  it('says so in one line (exit 0) and gives the reason under --json', async () => {
    // Prepare: a registration nobody changed.
    const world = makeWorld();

    // Act
    const text = await run(world, {});
    const json = JSON.parse(await run(world, { json: true })) as {
      changes: unknown[];
      applied: boolean;
      nothing?: string;
    };

    // Assess
    expect(text).toContain(
      'nothing to pin: the binding already matches the document and the live configuration\n',
    );
    expect(text).not.toContain('review:');
    expect(json).toMatchObject({
      changes: [],
      applied: false,
      nothing: 'the binding already matches the document and the live configuration',
    });
  });

  it('has no "nothing" reason when there is a change to review', async () => {
    const world = makeWorld();
    rewrite(world, setProbeUrl('https://api.example/v2/ping'));
    const json = JSON.parse(await run(world, { json: true })) as { nothing?: string };
    expect(json.nothing).toBeUndefined();
  });
});
