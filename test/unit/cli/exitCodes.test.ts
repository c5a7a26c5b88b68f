import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliRun } from '../../support/cli.js';

/**
 * The real CLI, spawned as a user runs it (from the bundle the global setup built): exit codes
 * 0 / 1 / 2, usage errors in two lines, JSON errors under --json, and the hint for a local
 * stack that is not running.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'bin/gatewarden.js');

type Run = CliRun;
const gatewarden = runCli;

/**
 * The CLI in a shell set up for nothing: no AWS variable, an empty home (no ~/.aws), no
 * instance metadata. `env` adds what a case sets.
 */
function gatewardenBare(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'gw-cli-home-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          AWS_EC2_METADATA_DISABLED: 'true',
          GATEWARDEN_LOCAL_STATE_DIR: join(home, 'state'),
          GATEWARDEN_AWS_MAX_ATTEMPTS: '1',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? null) : 0;
        // The SDK's own warning about the Node version is not the CLI's output.
        const own = stderr
          .split('\n')
          .filter((line) => line.startsWith('gatewarden:') || line.startsWith('hint:'))
          .join('\n');
        resolve({ code, stdout, stderr: own });
      },
    );
  });
}

/** An AWS config whose SSO profile `dev` has a cached token that expired in 2020. */
function expiredSsoHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'gw-cli-sso-'));
  mkdirSync(join(home, '.aws/sso/cache'), { recursive: true });
  writeFileSync(
    join(home, '.aws/config'),
    [
      '[profile dev]',
      'sso_session = corp',
      'sso_account_id = 111122223333',
      'sso_role_name = Admin',
      'region = eu-west-1',
      '[sso-session corp]',
      'sso_start_url = https://corp.example.com/start',
      'sso_region = eu-west-1',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(home, '.aws/sso/cache', `${createHash('sha1').update('corp').digest('hex')}.json`),
    JSON.stringify({
      accessToken: 'expired',
      expiresAt: '2020-01-01T00:00:00Z',
      region: 'eu-west-1',
      startUrl: 'https://corp.example.com/start',
    }),
  );
  return home;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('gatewarden exit codes', () => {
  it.each([
    [['--help'], /Commands:[\s\S]*rotate/],
    [['rotate', '--help'], /--secret <id>/],
    [['--version'], /^0\.1\.0$/m],
  ])('%j exits 0', async (args, stdout) => {
    // Act
    const run = await gatewarden(args);

    // Assess
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(stdout);
  });

  it.each([
    [
      ['register', 'apikey', '--provider', 'p'],
      "gatewarden: required option '--issuer <type>' not specified\nsee `gatewarden register apikey --help`\n",
    ],
    [
      ['rotat'],
      "gatewarden: unknown command 'rotat' (Did you mean rotate?)\nsee `gatewarden --help`\n",
    ],
    [
      ['detect', '--format', 'xml', 'x.json'],
      "gatewarden: option '--format <format>' argument 'xml' is invalid. must be jsonl or table\nsee `gatewarden detect --help`\n",
    ],
    [
      ['rotate', '--wait'],
      'gatewarden: choose exactly one of --secret ID, --gateway ID, --tag KEY=VALUE (or --sweep)\nsee `gatewarden rotate --help`\n',
    ],
    [['rotate', '--nope'], "gatewarden: unknown option '--nope'\nsee `gatewarden rotate --help`\n"],
    [
      ['rotate', '--tag', 'bad'],
      'gatewarden: tag must be KEY=VALUE, got "bad"\nsee `gatewarden rotate --help`\n',
    ],
    [
      ['env', '--stage', 'a/b'],
      'gatewarden: --stage takes letters, digits and dashes (at most 32)\nsee `gatewarden env --help`\n',
    ],
    // Options commander accepts but the command cannot work with are usage errors too.
    [
      [
        'register',
        'apikey',
        '--provider',
        'p',
        '--issuer',
        'generated',
        '--grace',
        'soon',
        '--rotation-lambda',
        'arn:aws:lambda:us-east-1:123456789012:function:r',
      ],
      'gatewarden: --grace must look like 90s, 30m, 24h or 7d, got "soon"\nsee `gatewarden register apikey --help`\n',
    ],
    [
      [
        'register',
        'oauth',
        '--provider',
        'p',
        '--issuer',
        'cognito',
        '--rotation-lambda',
        'arn:aws:lambda:us-east-1:123456789012:function:r',
      ],
      'gatewarden: --issuer cognito needs --user-pool\nsee `gatewarden register oauth --help`\n',
    ],
    [
      ['register', 'update', '--secret', 'gatewarden/gw-1/apiKey/a', '--yes'],
      'gatewarden: --yes needs --expect HASH: the hash the review printed for what it showed\nsee `gatewarden register update --help`\n',
    ],
  ])('%j is a usage error: exit 2, one line and where to read more', async (args, stderr) => {
    // Act
    const run = await gatewarden(args);

    // Assess
    expect(run).toEqual({ code: 2, stdout: '', stderr });
  });

  it('reports a usage error as JSON on stdout under --json', async () => {
    // Act
    const run = await gatewarden(['register', 'update', '--json']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        kind: 'usage',
        message: "required option '--secret <id>' not specified",
        command: 'gatewarden register update',
      },
    });
  });

  it.each([
    [
      'apikey',
      ['--probe-url', '--webhook-url', '--length', '--managed'],
      ['--okta-org', '--discovery-url', '--user-pool', '--client-id'],
    ],
    [
      'oauth',
      ['--okta-org', '--tenant', '--auth0-domain', '--user-pool', '--discovery-url', '--managed'],
      ['--probe-url', '--webhook-url', '--length'],
    ],
    [
      'inbound',
      ['--okta-org', '--discovery-url', '--client-id'],
      ['--managed', '--target', '--probe-url', '--webhook-url'],
    ],
  ])('register %s --help lists its own options only', async (kind, shown, hidden) => {
    const run = await gatewarden(['register', kind, '--help']);
    // The Options block (the examples after it name other kinds' options).
    const block = run.stdout.split('Options:\n')[1]?.split('\n\n')[0] ?? '';
    const options = block.split('\n').map((line) => /^ {2}(--[\w-]+)/.exec(line)?.[1]);
    expect(run.code).toBe(0);
    for (const option of shown) expect(options).toContain(option);
    for (const option of hidden) expect(options).not.toContain(option);
  });

  it('local status names the next step when the stack is down (exit 1)', async () => {
    const run = await gatewarden(['local', 'status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'local stack is not running\nnext: `eval "$(npx gatewarden local start)"` starts it and points this shell at it\n',
    );
  });

  it('exits 1 on a runtime failure', async () => {
    // Act
    const run = await gatewarden(['report', '--no-progress', '--iam', '/nonexistent/iam.json']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'gatewarden: cannot read IAM file /nonexistent/iam.json (cause: Error ENOENT)\n',
    );
  });

  describe('a local endpoint where nothing listens', () => {
    let endpoint: string;
    beforeAll(async () => {
      endpoint = `http://127.0.0.1:${await closedPort()}`;
    });

    it('says to start the local stack', async () => {
      // Act
      const run = await gatewarden(['register', 'update', '--secret', 'gatewarden/gw-1/x'], {
        AWS_ENDPOINT_URL: endpoint,
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^gatewarden: .*ECONNREFUSED\n/);
      expect(run.stderr).toContain(
        `hint: the local stack at ${endpoint} is not running (ECONNREFUSED): start it with \`npx gatewarden local start\``,
      );
    });

    it('says so in JSON under --json', async () => {
      // Act
      const run = await gatewarden(['rotate', '--secret', 'gatewarden/gw-1/x', '--json'], {
        AWS_ENDPOINT_URL: endpoint,
      });

      // Assess
      expect(run.code).toBe(1);
      const { error } = JSON.parse(run.stdout) as { error: Record<string, string> };
      expect(error.kind).toBe('runtime');
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.hint).toContain('npx gatewarden local start');
    });
  });

  describe('a shell not set up for AWS says what to set, in one line and a hint', () => {
    it('no region', async () => {
      // Act
      const run = await gatewardenBare(['doctor']);

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'gatewarden: no AWS region is set\nhint: export AWS_REGION=<region> (or set `region` in the profile), or, for the local stack, `eval "$(npx gatewarden local start)"`',
      );
    });

    it.each([
      [['doctor'], false],
      [['rotate', '--secret', 'gatewarden/gw-1/x', '--json'], true],
      [['register', 'update', '--secret', 'gatewarden/gw-1/x'], false],
    ])('no credentials: %j', async (args, json) => {
      // Act
      const run = await gatewardenBare(args, {
        AWS_REGION: 'eu-west-1',
        GATEWARDEN_STATE_TABLE: 'gatewarden-prod-state',
      });

      // Assess
      expect(run.code).toBe(1);
      const failure = json
        ? (JSON.parse(run.stdout) as { error: { message: string; hint: string } }).error
        : { message: run.stderr.split('\n')[0], hint: run.stderr.split('\n')[1] };
      expect(failure.message).toMatch(/no AWS credentials were found$/);
      expect(failure.hint).toMatch(/AWS_PROFILE.*aws sso login.*AWS_ACCESS_KEY_ID.*local start/);
    });

    it('an unknown profile, named', async () => {
      // Act
      const run = await gatewardenBare(['doctor'], {
        AWS_REGION: 'eu-west-1',
        AWS_PROFILE: 'nope',
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^gatewarden: no AWS credentials could be loaded for the profile "nope"\nhint: check that the profile exists \(`aws configure list-profiles`\)/,
      );
    });

    it('an expired SSO session, under --json', async () => {
      // Act
      const run = await gatewardenBare(['doctor', '--json'], {
        HOME: expiredSsoHome(),
        AWS_PROFILE: 'dev',
      });

      // Assess
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        error: {
          kind: 'runtime',
          message: 'the AWS SSO session has expired or was never started',
          hint: 'run `aws sso login --profile dev`, then try again',
        },
      });
    });
  });

  it('runs the same from the TypeScript sources', async () => {
    // Act: the path bin/gatewarden.js takes when the bundle is older than the sources
    const run = await gatewarden(['rotate', '--nope'], { GATEWARDEN_CLI_FROM_SOURCE: '1' });

    // Assess
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: "gatewarden: unknown option '--nope'\nsee `gatewarden rotate --help`\n",
    });
  });
});
