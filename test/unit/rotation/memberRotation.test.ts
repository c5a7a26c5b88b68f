import type { Context } from 'aws-lambda';
import { type RotateCommandDeps, runRotate } from '../../../cli/commands/rotate.js';
import { makeHandler } from '../../../functions/rotateNow.js';
import type { InvokeLambda } from '../../../lib/rotation/issuers/webhook.js';
import { memberRotateNowArn, parseMemberReply } from '../../../lib/rotation/memberRotation.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { TAGS } from '../../../lib/shared/env.js';

/**
 * `gatewarden rotate --account`: the member's rotateNow function rotates there. Lambda's Invoke
 * of a function is what the local stack cannot serve (moto runs no function), so the invoker
 * here calls the real rotateNow handler in-process, with the member's secrets in memory; the
 * local stack's part — who may invoke it — is test/integration/rotation/memberRotation.test.ts.
 */
class Capture {
  text = '';
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const MEMBER = '222233334444';
const ARN = `arn:aws:lambda:eu-west-1:${MEMBER}:function:gatewarden-prod-rotateNow`;
const VALUE = '{"apiKey":"sk-live-DO-NOT-PRINT-4f1c"}';

function member(): { control: MemoryRotationControl; invoke: InvokeLambda; calls: string[] } {
  const control = new MemoryRotationControl();
  for (const name of ['a', 'b']) {
    control.add(`gatewarden/gw-9/apiKey/${name}`, VALUE, {
      [TAGS.gateway]: 'gw-9',
      [TAGS.kind]: 'apiKey',
    }).rotationLambdaArn = 'arn:aws:lambda:eu-west-1:222233334444:function:gatewarden-prod-rotate';
  }
  const handler = makeHandler({
    control,
    sweep: async () => ({ revoked: ['v-old'], stillInGrace: 0 }),
    concurrency: 2,
  });
  const calls: string[] = [];
  const invoke: InvokeLambda = async (functionArn, payload) => {
    calls.push(`${functionArn} ${payload}`);
    try {
      const reply = await handler(JSON.parse(payload), {} as Context);
      return { payload: JSON.stringify(reply) };
    } catch (error) {
      const e = error as Error;
      return {
        payload: JSON.stringify({ errorType: e.name, errorMessage: e.message }),
        functionError: 'Unhandled',
      };
    }
  };
  return { control, invoke, calls };
}

function deps(invoke: InvokeLambda): RotateCommandDeps & { stdout: Capture; stderr: Capture } {
  return {
    control: () => {
      throw new Error('the central CLI must not call Secrets Manager itself for --account');
    },
    rotationDeps: async () => {
      throw new Error('the central CLI runs no rotation engine for --account');
    },
    alertSinks: () => [],
    invokeLambda: () => invoke,
    stdout: new Capture(),
    stderr: new Capture(),
    env: { AWS_REGION: 'eu-west-1' },
  };
}

const base = { concurrency: '4', timeout: '5', account: MEMBER, stage: 'prod' };

describe('gatewarden rotate --account (a member account, rotated by its own rotateNow)', () => {
  it('invokes the member stage’s rotateNow with the selector; the rotations start there', async () => {
    const m = member();
    const d = deps(m.invoke);
    const code = await runRotate({ ...base, gateway: 'gw-9' }, d);
    expect(code).toBe(0);
    expect(m.calls).toEqual([`${ARN} {"gatewayId":"gw-9"}`]);
    expect(m.control.calls.filter((c) => c === 'startRotation')).toHaveLength(2);
    expect(d.stdout.text).toMatch(
      /→ arn:aws:secretsmanager:.*gw-9\/apiKey\/a-\w+ rotation started/,
    );
    expect(d.stdout.text).toContain(`2 started, 0 failed (in account ${MEMBER})`);
    expect(d.stdout.text + d.stderr.text).not.toContain('sk-live');
  });

  it('sweeps the member with --sweep and prints each secret’s outcome as JSON under --json', async () => {
    const m = member();
    const d = deps(m.invoke);
    expect(await runRotate({ ...base, sweep: true, json: true }, d)).toBe(0);
    expect(m.calls).toEqual([`${ARN} {"sweep":true}`]);
    const doc = JSON.parse(d.stdout.text) as { kind: string; results: { revoked: number }[] };
    expect(doc).toMatchObject({ mode: 'member', account: MEMBER, functionArn: ARN, kind: 'sweep' });
    expect(doc.results.map((r) => r.revoked)).toEqual([1, 1]);
  });

  it('a selection the member does not hold is the member function’s error, by its class', async () => {
    // rotateNow refuses a selection that matches nothing (OnDemandError); its text stays there.
    await expect(runRotate({ ...base, gateway: 'gw-none' }, deps(member().invoke))).rejects.toThrow(
      /member's rotateNow function failed \(OnDemandError\)/,
    );
  });

  it('a rotation that does not start in the member is exit 1, with its class and no reason text', async () => {
    const m = member();
    m.control.failNext(
      'startRotation',
      Object.assign(new Error(`value ${VALUE} refused`), { name: 'InvalidRequestException' }),
    );
    const d = deps(m.invoke);
    expect(await runRotate({ ...base, gateway: 'gw-9' }, d)).toBe(1);
    expect(d.stdout.text).toContain('InvalidRequestException');
    expect(d.stdout.text + d.stderr.text).not.toContain('sk-live');
  });

  it('an invalid member event is reported by class only; the member’s message is not printed', async () => {
    const invoke: InvokeLambda = async () => ({
      payload: JSON.stringify({
        errorType: 'RotateNowEventError',
        errorMessage: `leaked ${VALUE}`,
      }),
      functionError: 'Unhandled',
    });
    await expect(runRotate({ ...base, secret: 'x' }, deps(invoke))).rejects.toThrow(
      /member's rotateNow function failed \(RotateNowEventError\)/,
    );
    await expect(runRotate({ ...base, secret: 'x' }, deps(invoke))).rejects.not.toThrow(/sk-live/);
  });

  it.each([
    [{ local: true }, '--local'],
    [{ force: true }, '--force'],
    [{ revokePrevious: true }, '--revoke-previous'],
    [{ wait: true }, '--wait'],
  ])('refuses %j with --account (exit 2: a usage error)', async (flag, name) => {
    const m = member();
    await expect(runRotate({ ...base, gateway: 'gw-9', ...flag }, deps(m.invoke))).rejects.toThrow(
      new RegExp(`${name}.*cannot be used with --account`),
    );
    expect(m.calls).toEqual([]);
  });

  it('the function ARN is built from validated parts only', () => {
    expect(memberRotateNowArn({ account: MEMBER, region: 'cn-north-1', stage: 'prod' })).toBe(
      `arn:aws-cn:lambda:cn-north-1:${MEMBER}:function:gatewarden-prod-rotateNow`,
    );
    expect(memberRotateNowArn({ account: MEMBER, region: 'us-isob-east-1', stage: 'prod' })).toBe(
      `arn:aws-iso-b:lambda:us-isob-east-1:${MEMBER}:function:gatewarden-prod-rotateNow`,
    );
    for (const bad of [
      { account: '2222', region: 'eu-west-1', stage: 'prod' },
      { account: MEMBER, region: 'eu-west-1:999999999999:function:x', stage: 'prod' },
      { account: MEMBER, region: 'eu-west-1', stage: 'prod-rotateNow:$LATEST' },
      { account: MEMBER, region: 'eu-west-1', stage: '../other' },
    ])
      expect(() => memberRotateNowArn(bad)).toThrow(/account id|region|stage/);
  });
});

describe('the member’s reply is untrusted (a member admin can replace the function)', () => {
  const secretArn = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:gatewarden/gw-9/apiKey/a-AbCdEf`;

  it('keeps only identifiers, outcomes, counts and error classes; free text is dropped', () => {
    const reply = parseMemberReply(
      JSON.stringify({
        started: 0,
        failed: 1,
        results: [
          {
            secretArn,
            outcome: 'failed',
            step: 'createSecret',
            errorClass: 'Error',
            reason: VALUE,
            ms: 3,
            extra: VALUE,
          },
        ],
      }),
      false,
    );
    expect(JSON.stringify(reply)).not.toContain('sk-live');
    expect(reply.results[0]).toEqual({
      secretArn,
      outcome: 'failed',
      step: 'createSecret',
      errorClass: 'Error',
      ms: 3,
    });
  });

  it.each([
    [
      'terminal escapes in an ARN',
      { secretArn: `${secretArn}\u001b]8;;https://evil.example\u0007` },
    ],
    ['a value in place of an ARN', { secretArn: VALUE }],
    ['a value in an error class', { errorClass: VALUE }],
    ['an unknown outcome', { outcome: 'rotated' }],
    ['a negative time', { ms: -1 }],
  ])('refuses %s, naming where, never the value', (_name, change) => {
    const hostile = JSON.stringify({
      started: 1,
      failed: 0,
      results: [{ secretArn, outcome: 'started', ms: 1, ...change }],
    });
    let message = '';
    try {
      parseMemberReply(hostile, false);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a rotateNow result \(unexpected at results\.0\./);
    expect(message).not.toContain('sk-live');
    expect(message).not.toContain('evil.example');
  });

  it('refuses a reply that is no JSON, or too large, without quoting it', () => {
    expect(() => parseMemberReply(`not json ${VALUE}`, false)).toThrow(/not JSON$/);
    expect(() => parseMemberReply(' '.repeat(7 * 1024 * 1024), true)).toThrow(/larger than/);
  });
});
