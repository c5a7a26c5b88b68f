/**
 * Every sample event in events/ through the documented command,
 * `npm run invoke:local -- -f FUNCTION -p events/FILE.json`: the wrapper sets up the local
 * stage and the resources the events name, then `serverless invoke local --stage local` runs
 * the real bundle (esbuild output, require shim, names kept). One process per event, on a
 * local stack of this test's own (its own state folder): the sweep and the report read the
 * whole account, and the sample gateway's repeatable id needs a stack no one else is using.
 */
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_STAGE } from '../../../scripts/localStage.js';
import { SAMPLE, sampleSecret } from '../../../scripts/localSamples.js';
import { claimSpare } from '../../support/spareStacks.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const STATE_DIR = mkdtempSync(path.join(tmpdir(), 'gw-invoke-local-'));
let env: NodeJS.ProcessEnv;

interface Invocation {
  code: number;
  output: string;
  /** The handler's result: the last JSON document serverless printed, if any. */
  result?: Record<string, unknown>;
}

/** Runs the documented command, as a user would. */
async function invokeLocal(fn: string, eventFile: string): Promise<Invocation> {
  let code = 0;
  let output: string;
  try {
    const { stdout } = await run('npm', ['run', 'invoke:local', '--', '-f', fn, '-p', eventFile], {
      cwd: ROOT,
      env,
      maxBuffer: 32 * 1024 * 1024,
      timeout: 180_000,
    });
    output = stdout;
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    code = failure.code ?? -1;
    output = failure.stdout ?? '';
  }
  // Log lines are one JSON object each; the result is printed last, indented.
  const start = output.lastIndexOf('\n{\n');
  const result =
    start >= 0 ? (JSON.parse(output.slice(start + 1)) as Record<string, unknown>) : undefined;
  return { code, output, ...(result ? { result } : {}) };
}

/** What the local stack's IAM refused since the last DELETE. */
async function iamDenials(method: 'GET' | 'DELETE'): Promise<unknown[]> {
  const response = await fetch(`${env.AWS_ENDPOINT_URL}/_gatewarden/iam/denials`, { method });
  const body = (await response.json()) as { mode: string; denials: unknown[] };
  expect(body.mode).toBe('enforce');
  return body.denials;
}

const counts = (i: Invocation) => (i.result?.counts ?? {}) as Record<string, number>;

/** What each sample event must do; a file missing here fails the coverage test below. */
const EXPECTED: Record<string, (i: Invocation) => void> = {
  'detect.getSecretValue.json': (i) => {
    expect(counts(i)).toMatchObject({ processed: 1, failed: 0, alert: 1 });
  },
  'detect.malformed.json': (i) => {
    expect(counts(i)).toMatchObject({ processed: 0, 'dead-lettered': 1, failed: 0 });
  },
  'detect.rotationFailed.json': (i) => {
    expect(counts(i)).toMatchObject({ processed: 1, failed: 0, alert: 1 });
  },
  'detect.updateGateway.json': (i) => {
    expect(counts(i)).toMatchObject({ processed: 1, failed: 0 });
    expect(counts(i).alert).toBeGreaterThanOrEqual(1);
  },
  'report.schedule.json': (i) => {
    expect(String(i.result?.location)).toMatch(/^s3:\/\/gatewarden-local-reports\/reports\//);
  },
  // The rotation function returns nothing: exit 0 is the step done (checked after finish).
  'rotate.createSecret.json': () => undefined,
  'rotate.setSecret.json': () => undefined,
  'rotate.testSecret.json': () => undefined,
  'rotate.finishSecret.json': () => undefined,
  'rotateNow.gateway.json': (i) => {
    expect(i.result).toMatchObject({ started: 1, failed: 0 });
  },
  'rotateNow.secret.json': (i) => {
    expect(i.result).toMatchObject({ started: 1, failed: 0 });
  },
  'rotateNow.tag.json': (i) => {
    expect(i.result).toMatchObject({ started: 1, failed: 0 });
  },
  'rotateNow.sweep.json': (i) => {
    expect(i.result).toMatchObject({ swept: 1, failed: 0 });
  },
};

/** Rotation steps in the order Secrets Manager runs them, then the rest alphabetically. */
const STEP_ORDER = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const files = readdirSync(path.join(ROOT, 'events'))
  .filter((f) => f.endsWith('.json'))
  .sort((a, b) => {
    const rank = (f: string) => {
      const step = STEP_ORDER.findIndex((s) => f === `rotate.${s}.json`);
      return step >= 0 ? `rotate.${step}` : f;
    };
    return rank(a).localeCompare(rank(b));
  });

beforeAll(async () => {
  // A stack of our own; `local start` prints the environment to point clients at it.
  // IAM enforced: each function runs as its deployed role and any refusal fails its test.
  // Or a spare started ahead the same way (test/support/spareStacks.js), ours now.
  const spare = await claimSpare(process.env, 'enforce');
  env = {
    ...process.env,
    GATEWARDEN_LOCAL_STATE_DIR: spare?.dir ?? STATE_DIR,
    GATEWARDEN_LOCAL_IAM: 'enforce',
  };
  const { stdout } =
    spare ??
    (await run(
      process.execPath,
      [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'start', '--json'],
      { cwd: ROOT, env, timeout: 180_000 },
    ));
  Object.assign(env, JSON.parse(stdout) as Record<string, string>);
}, 200_000);

afterAll(async () => {
  await run(process.execPath, [path.join(ROOT, 'bin', 'gatewarden.js'), 'local', 'stop'], {
    cwd: ROOT,
    env,
  });
}, 60_000);

describe('npm run invoke:local with every sample event', () => {
  it('has an expectation for every file in events/', () => {
    expect(files.filter((f) => !(f in EXPECTED))).toEqual([]);
  });

  it.each(files)(
    'runs %s',
    async (file) => {
      const fn = file.split('.')[0] ?? '';
      await iamDenials('DELETE');
      const invocation = await invokeLocal(fn, `events/${file}`);
      // Set-up and function alike: nothing IAM refused (each denial names its statement).
      expect({ file, denials: await iamDenials('GET') }).toEqual({ file, denials: [] });
      expect({ file, code: invocation.code }).toEqual({ file, code: 0 });
      EXPECTED[file]?.(invocation);
    },
    200_000,
  );

  it('left the sample secret on the rotation events’ version, its rotation function kept', async () => {
    const event = JSON.parse(
      readFileSync(path.join(ROOT, 'events', 'rotate.finishSecret.json'), 'utf8'),
    ) as { ClientRequestToken: string };
    const sm = new SecretsManagerClient({
      endpoint: env.AWS_ENDPOINT_URL,
      region: SAMPLE.region,
      maxAttempts: 1,
    });
    const described = await sm.send(
      new DescribeSecretCommand({ SecretId: sampleSecret(SAMPLE.gatewayId).name }),
    );
    // finishSecret promoted it; the rotateNow events only started rotations (Secrets Manager
    // runs their steps on AWS; the local stack never runs a rotation function).
    expect(described.VersionIdsToStages?.[event.ClientRequestToken]).toContain('AWSCURRENT');
    expect(described.RotationLambdaARN).toMatch(/:function:gatewarden-local-rotate$/);
  });

  it('dead-lettered the malformed event to the local DLQ', async () => {
    const sqs = new SQSClient({
      endpoint: env.AWS_ENDPOINT_URL,
      region: SAMPLE.region,
      maxAttempts: 1,
    });
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: LOCAL_STAGE.deadLetterQueue }),
    );
    const malformed = JSON.parse(
      readFileSync(path.join(ROOT, 'events', 'detect.malformed.json'), 'utf8'),
    ) as { id: string };
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.some((m) => (m.Body ?? '').includes(malformed.id))).toBe(true);
  });

  it('names errors by their class, not a minified name', async () => {
    const bad = path.join(STATE_DIR, 'rotate.invalid.json');
    writeFileSync(bad, JSON.stringify({ Step: 'bogus', SecretId: 'x', ClientRequestToken: 'y' }));

    const invocation = await invokeLocal('rotate', bad);

    expect(invocation.code).not.toBe(0);
    expect(invocation.result).toMatchObject({ errorType: 'RotateEventError' });
  }, 200_000);
});
