/**
 * Everything untrusted the CLI prints goes through one function, `forTerminal` (issue 17 §7):
 * names, tags, CloudTrail fields and reasons from remote systems can carry ESC/CSI sequences,
 * carriage returns, bidirectional overrides and invisible characters that would make the
 * terminal show something other than what is there. Each surface is fed such text and must
 * print it escaped and visible, never raw.
 */
import { formatDoctorReport } from '../../../cli/commands/doctor.js';
import { findingLine, tableRow } from '../../../cli/commands/detect.js';
import { type RotateCommandDeps, runRotate } from '../../../cli/commands/rotate.js';
import { describeFailure, renderFailure } from '../../../cli/failure.js';
import { ROTATION_FAILURE_TAG } from '../../../lib/rotation/alerts.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { GatewardenError } from '../../../lib/shared/errors.js';
import { TAGS } from '../../../lib/shared/env.js';
import { forTerminal } from '../../../lib/shared/terminal.js';
import { finding } from '../detection/deployedFixtures.js';

/** ESC/CSI (7-bit and C1), carriage return, bidi override and isolate, zero-width space. */
const HOSTILE = 'evil\u001b[2J\u001b]0;title\u0007\u009b31m\r\u202eexe.txt\u2066\u200b';
const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

describe('forTerminal', () => {
  it.each([
    ['ESC sequence', 'a\u001b[31mb', 'a\\u001B[31mb'],
    ['C1 CSI', 'a\u009b31mb', 'a\\u009B31mb'],
    ['carriage return', 'shown\rhidden', 'shown\\u000Dhidden'],
    ['backspace and DEL', 'ab\b\u007f', 'ab\\u0008\\u007F'],
    ['right-to-left override', 'user\u202eFDP.exe', 'user\\u202EFDP.exe'],
    [
      'isolates and marks',
      '\u2066x\u2069\u200e\u200f\u061c',
      '\\u2066x\\u2069\\u200E\\u200F\\u061C',
    ],
    ['zero-width and BOM', 'a\u200bb\u200dc\ufeff', 'a\\u200Bb\\u200Dc\\uFEFF'],
    ['line separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['invisible tag characters', 'a\u{E0041}b', 'a\\uDB40\\uDC41b'],
    ['a line break in a value', 'one\ntwo\tthree', 'one\\u000Atwo\\u0009three'],
    // Default-ignorable and format characters outside the listed blocks: each renders as
    // nothing (or as a blank), so two values that differ by one look the same.
    ['deprecated format characters', 'a\u206ab\u206fc', 'a\\u206Ab\\u206Fc'],
    ['Hangul fillers', 'admin\u3164\u115f\uffa0', 'admin\\u3164\\u115F\\uFFA0'],
    ['combining grapheme joiner', 'a\u034fb', 'a\\u034Fb'],
    ['variation selectors', 'a\ufe0fb\u180bc\u{E0100}', 'a\\uFE0Fb\\u180Bc\\uDB40\\uDD00'],
    ['Khmer invisible vowels', 'a\u17b4\u17b5b', 'a\\u17B4\\u17B5b'],
    [
      'shorthand and musical format controls',
      'a\u{1BCA0}b\u{1D173}c',
      'a\\uD82F\\uDCA0b\\uD834\\uDD73c',
    ],
    ['a lone surrogate', 'a\ud800b', 'a\\uD800b'],
    ['spaces that are not U+0020', 'a\u00a0b\u2007c\u3000d', 'a\\u00A0b\\u2007c\\u3000d'],
    [
      'plain text and ordinary Unicode',
      'https://ex.example/ä/日本/😀 ok',
      'https://ex.example/ä/日本/😀 ok',
    ],
  ])('%s', (_what, input, shown) => {
    expect(forTerminal(input)).toBe(shown);
  });

  it('keeps line breaks and tabs of laid-out output when asked', () => {
    expect(forTerminal('a\n\tb\u001b\r\n', { lines: true })).toBe('a\n\tb\\u001B\\u000D\n');
  });

  it('leaves a JSON document the same document', () => {
    const value = { url: HOSTILE, nested: [HOSTILE, { k: 'x\u0085y\u00ad' }], n: 1 };
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
      const safe = forTerminal(text, { lines: true });
      expect(safe).not.toMatch(RAW);
      expect(JSON.parse(safe)).toEqual(value);
    }
  });
});

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('gatewarden rotate prints a hostile failure tag escaped', () => {
  it.each([false, true])('--json %s', async (json) => {
    // Prepare: whoever can tag the secret writes the failure tag the CLI reads back.
    const control = new MemoryRotationControl();
    control.add(`gatewarden/gw-1/apiKey/a`, '{}', {
      [TAGS.gateway]: 'gw-1',
      [TAGS.kind]: 'apiKey',
    }).rotationLambdaArn = 'arn:fn';
    control.onRotate = (secret, versionId) => {
      secret.versions.set(versionId, { value: '{}', stages: ['AWSPENDING'] });
      secret.tags[ROTATION_FAILURE_TAG] =
        `2026-12-01T00:00:00.000Z testSecret Cred${HOSTILE}Error ${versionId} ${HOSTILE}`;
    };
    const stdout = new Capture();
    const stderr = new Capture(true);
    const deps: RotateCommandDeps = {
      control: () => control,
      rotationDeps: async () => {
        throw new Error('not used in Secrets Manager mode');
      },
      alertSinks: () => [],
      stdout,
      stderr,
      env: {},
    };

    // Act
    const code = await runRotate(
      { gateway: 'gw-1', wait: true, json, concurrency: '1', timeout: '5', local: false },
      deps,
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout.text).not.toMatch(RAW);
    expect(stdout.text).toContain('\\u202Eexe.txt');
    if (json) expect(JSON.stringify(JSON.parse(stdout.text))).toContain('exe.txt');
  });
});

describe('gatewarden doctor', () => {
  it('prints each check on one line, hostile names escaped', () => {
    const text = formatDoctorReport({
      caller: `arn:aws:iam::1:role/${HOSTILE}`,
      stage: 'dev',
      checks: [
        { id: 'rules.x', area: 'rules', status: 'fail', message: `rule ${HOSTILE}\nok   fake` },
      ],
      summary: { pass: 0, fail: 1, warn: 0, unverified: 0 },
      ok: false,
    });
    expect(text).not.toMatch(RAW);
    expect(text).toContain('rule evil\\u001B[2J');
    expect(text.split('\n').some((line) => line.startsWith('ok   fake'))).toBe(false);
  });
});

describe('gatewarden detect', () => {
  const hostile = finding({
    principal: `arn:aws:iam::1:user/${HOSTILE}`,
    summary: `${HOSTILE} changed the gateway`,
    sourceIp: `1.2.3.4${HOSTILE}`,
  });

  it('table rows show record text escaped', () => {
    const row = tableRow(hostile);
    expect(row).not.toMatch(RAW);
    expect(row).toContain('\\u202Eexe.txt');
  });

  it('JSON lines stay the record text, escaped for the terminal', () => {
    const line = forTerminal(JSON.stringify(findingLine(hostile)));
    expect(line).not.toMatch(RAW);
    expect((JSON.parse(line) as { principal: string }).principal).toBe(hostile.principal);
  });
});

describe('CLI failures', () => {
  it.each([false, true])('--json %s: a message naming a hostile resource is escaped', (json) => {
    const failure = describeFailure(new GatewardenError(`gateway ${HOSTILE} not found`), {
      argv: ['node', 'gatewarden', 'rotate'],
      env: {},
    });
    const { text } = renderFailure(failure, json);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u202Eexe.txt');
  });
});
