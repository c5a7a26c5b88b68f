import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { makeHandler, type RotateNowDeps } from '../../../functions/rotateNow.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { TAGS } from '../../../lib/shared/env.js';

const event = (name: string): unknown =>
  JSON.parse(readFileSync(`events/rotateNow.${name}.json`, 'utf8'));
const context = {} as Context;

function setup(): { control: MemoryRotationControl; deps: RotateNowDeps; swept: string[] } {
  const control = new MemoryRotationControl();
  for (const [name, kind] of [
    ['gatewarden/e330ccb17b/apiKey/weather-api', 'apiKey'],
    ['gatewarden/e330ccb17b/oauthClient/crm', 'oauthClient'],
    ['gatewarden/gw-other/oauthClient/erp', 'oauthClient'],
  ] as const) {
    const gateway = name.split('/')[1] ?? '';
    // events/rotateNow.tag.json selects the local sample secret by its `team=samples` tag.
    const sample: Record<string, string> = name.endsWith('/weather-api') ? { team: 'samples' } : {};
    control.add(name, '{}', {
      [TAGS.gateway]: gateway,
      [TAGS.kind]: kind,
      ...sample,
    }).rotationLambdaArn = 'arn:aws:lambda:us-east-1:123456789012:function:gatewarden-rotate';
  }
  control.add('unrelated', '{}', { team: 'x' });
  const swept: string[] = [];
  const deps: RotateNowDeps = {
    control,
    sweep: async (arn) => {
      swept.push(arn);
      if (arn.includes('erp')) throw Object.assign(new Error('boom'), { name: 'IssuerError' });
      return { revoked: ['old-1'], stillInGrace: 0 };
    },
    concurrency: 2,
  };
  return { control, deps, swept };
}

describe('rotateNow handler', () => {
  it.each([
    ['secret', 1],
    ['gateway', 2],
    ['tag', 1],
  ])('starts RotateSecret for the %s sample event', async (name, expected) => {
    // Prepare
    const { control, deps } = setup();

    // Act
    const result = await makeHandler(deps)(event(name), context);

    // Assess
    expect(result).toMatchObject({ started: expected, failed: 0 });
    expect(control.calls.filter((c) => c === 'startRotation')).toHaveLength(expected);
  });

  it('runs the sweep on every gatewarden secret and reports a failing one without stopping', async () => {
    const { deps, swept } = setup();
    const result = await makeHandler(deps)(event('sweep'), context);
    expect(swept).toHaveLength(3);
    expect(result).toMatchObject({ swept: 3, revoked: 2, failed: 1 });
  });

  it('reports a secret whose rotation could not start, and still starts the others', async () => {
    const { control, deps } = setup();
    control.failNext(
      'startRotation',
      Object.assign(new Error('pending'), { name: 'InvalidRequestException' }),
    );
    const result = await makeHandler(deps)(event('gateway'), context);
    expect(result).toMatchObject({ started: 1, failed: 1 });
  });

  it.each([
    [{}],
    [{ secretId: 'a', gatewayId: 'b' }],
    [{ tag: 'novalue' }],
    [{ sweep: false }],
    ['rotate everything'],
  ])('rejects the invalid event %j with a clear error', async (bad) => {
    const { deps } = setup();
    await expect(makeHandler(deps)(bad, context)).rejects.toThrow(/invalid rotateNow event/);
  });

  it('fails clearly when nothing matches the selector', async () => {
    const { deps } = setup();
    await expect(makeHandler(deps)({ gatewayId: 'gw-none' }, context)).rejects.toThrow(
      /no secret carries the tag/,
    );
  });
});
