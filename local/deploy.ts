/**
 * Deploys the `local` stage to the local stack the way it reaches AWS: `serverless deploy
 * --stage local` (the framework honours AWS_ENDPOINT_URL) sends the packaged CloudFormation
 * template to moto's CloudFormation, so roles, policies, keys, table, topic, bus, queue, rules
 * and functions come from `resources/*.yml`. Then the moto gaps are worked around here, never
 * in the template (each listed in local/README.md):
 * - rules cannot invoke a function on moto (PutEvents would fail): the detect rules deliver to
 *   a queue instead, the rest of the stage is untouched.
 * `serverless remove --stage local` removes it again, as on AWS (removeLocalStage).
 * TEST/DEMO COMPONENT — local stack only.
 */
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageStage, paramArgs, withEndpoint, type StageParams } from './packageStage.js';
import { LocalDeployError } from './deployError.js';
import { PROJECT_ROOT as ROOT } from './paths.js';
import { withServerlessLock } from './serverlessLock.js';

export interface LocalDeployOptions {
  /** The local stack's environment (AWS_ENDPOINT_URL and admin credentials). */
  env: NodeJS.ProcessEnv;
  /**
   * serverless params for this deploy (`--param key=value`), e.g. `dataDeletionPolicy: Retain`
   * or the `existing*` params that let the stage adopt what an earlier remove kept.
   */
  params?: StageParams;
  /** The region to deploy the stage in (`--region`; default the framework's, us-east-1). */
  region?: string;
  log?: (line: string) => void;
}

/** The stack `serverless deploy --stage local` creates. */
const STACK = 'gatewarden-local';

/** `serverless deploy --stage local` against the local stack; throws with the output's tail. */
export async function deployLocalStage(options: LocalDeployOptions): Promise<void> {
  const env = localEnv(options.env);
  const params = options.params ?? {};
  const log = options.log ?? (() => undefined);
  log('deploying the local stage (serverless deploy --stage local) …');
  const started = Date.now();
  // The same package `serverless deploy` would make (cached per inputs), deployed from a copy:
  // the deploy removes the function zips from the folder it deploys.
  const { dir } = await packageStage('local', { ...env }, params, options.region);
  const copy = await mkdtemp(join(tmpdir(), 'gatewarden-deploy-'));
  try {
    await cp(dir, copy, { recursive: true });
    const stateFile = join(copy, 'serverless-state.json');
    await writeFile(stateFile, (await readFile(stateFile, 'utf8')).replaceAll(dir, copy));
    // The package names a stand-in for the endpoint (one package for every local stack).
    const endpoint = env.AWS_ENDPOINT_URL ?? '';
    for (const file of (await readdir(copy)).filter((name) => name.endsWith('.json'))) {
      const path = join(copy, file);
      await writeFile(path, withEndpoint(await readFile(path, 'utf8'), endpoint));
    }
    const region = options.region ? ['--region', options.region] : [];
    await withServerlessLock(
      () =>
        run(
          SERVERLESS,
          ['deploy', '--stage', 'local', ...region, '--package', copy, ...paramArgs(params)],
          {
            ...env,
            SLS_TELEMETRY_DISABLED: '1',
          },
        ),
      log,
    );
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
  log(`local stage deployed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * `serverless remove --stage local` against the local stack, as an operator removes a stage:
 * the stack goes, and what its template keeps (`DeletionPolicy: Retain`) stays. moto's
 * CloudFormation honours Retain on delete. Throws with the output's tail.
 */
export async function removeLocalStage(options: Omit<LocalDeployOptions, 'params'>): Promise<void> {
  const env = localEnv(options.env);
  const log = options.log ?? (() => undefined);
  log('removing the local stage (serverless remove --stage local) …');
  const started = Date.now();
  await emptyDeploymentBucket(env);
  await withServerlessLock(
    () => run(SERVERLESS, ['remove', '--stage', 'local'], { ...env, SLS_TELEMETRY_DISABLED: '1' }),
    log,
  );
  log(`local stage removed in ${Math.round((Date.now() - started) / 1000)} s`);
}

const SERVERLESS = resolve(ROOT, 'node_modules', '.bin', 'serverless');

function localEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!env.AWS_ENDPOINT_URL) {
    throw new LocalDeployError(
      'AWS_ENDPOINT_URL is not set: the local deploy only targets the local stack',
    );
  }
  return env;
}

/**
 * Deletes the framework's artifacts one object at a time before `serverless remove` empties the
 * bucket itself: its multi-object DeleteObjects is refused by the local IAM gate, which cannot
 * name the objects that request deletes (local/README.md). An empty bucket leaves the framework
 * nothing to delete.
 */
async function emptyDeploymentBucket(env: NodeJS.ProcessEnv): Promise<void> {
  const config = {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    },
    maxAttempts: 2,
  };
  const described = await new CloudFormationClient(config)
    .send(
      new DescribeStackResourceCommand({
        StackName: STACK,
        LogicalResourceId: 'ServerlessDeploymentBucket',
      }),
    )
    .catch(() => undefined);
  const bucket = described?.StackResourceDetail?.PhysicalResourceId;
  if (!bucket) return;
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
    }
    token = page.NextContinuationToken;
  } while (token);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      // PWD: the project, as when the framework runs from a shell there.
      env: { ...env, PWD: ROOT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else
        reject(
          new LocalDeployError(
            `serverless ${args.join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-15).join('\n')}`,
          ),
        );
    });
  });
}
