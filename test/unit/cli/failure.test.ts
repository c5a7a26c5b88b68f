import { describeFailure, renderFailure, wantsJson } from '../../../cli/failure.js';
import { UsageError } from '../../../cli/errors.js';
import { GatewardenError } from '../../../lib/shared/errors.js';

/**
 * How the CLI reports a failure: exit code by kind, one line plus a hint built from what the CLI
 * knows (endpoint, region, the identifiers on the command line), never from foreign text.
 */

const CANARY = 'canary-s3cr3t-VALUE-9f2c';
const argv = (...args: string[]): string[] => ['node', 'gatewarden', ...args];

/** An error shaped like Node's socket errors (`connect ECONNREFUSED …`). */
function socketError(code: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`connect ${code} ${CANARY}`), { code, ...fields });
}

/** An error shaped like an AWS SDK v3 service exception. */
function serviceError(name: string): Error {
  const error = new Error(`Secrets Manager can't find ${CANARY}`);
  error.name = name;
  return Object.assign(error, { $metadata: { httpStatusCode: 400 } });
}

class OwnError extends GatewardenError {}

describe('describeFailure', () => {
  it('makes a usage error exit 2 and name the command whose help to read', () => {
    // Act
    const failure = describeFailure(
      new UsageError("error: required option '--issuer <type>' not specified", {
        command: 'gatewarden register apikey',
      }),
      { argv: argv('register', 'apikey'), env: {} },
    );

    // Assess
    expect(failure).toEqual({
      kind: 'usage',
      exitCode: 2,
      message: "required option '--issuer <type>' not specified",
      command: 'gatewarden register apikey',
    });
  });

  it('drops the value given to an unknown --name=value option', () => {
    // Act
    const failure = describeFailure(
      new UsageError(`error: unknown option '--client-secret=${CANARY}'`, { command: 'x' }),
      { argv: [], env: {} },
    );

    // Assess
    expect(failure.message).toBe("unknown option '--client-secret=…'");
  });

  it.each([
    [
      'no local stack running',
      undefined,
      /local stack at http:\/\/127\.0\.0\.1:4599 is not running/,
    ],
    [
      'a local stack on another port',
      'http://127.0.0.1:5000',
      /the local stack runs at http:\/\/127\.0\.0\.1:5000: run `eval "\$\(npx gatewarden local start\)"`/,
    ],
  ])('tells how to reach the local stack: %s', (_case, running, hint) => {
    // Act
    const failure = describeFailure(socketError('ECONNREFUSED'), {
      argv: argv('rotate', '--secret', 's'),
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599', AWS_REGION: 'us-east-1' },
      ...(running ? { localStackEndpoint: running } : {}),
    });

    // Assess
    expect(failure).toMatchObject({ kind: 'runtime', exitCode: 1, message: 'Error ECONNREFUSED' });
    expect(failure.hint).toMatch(hint);
    if (!running) expect(failure.hint).toContain('npx gatewarden local start');
  });

  it.each([
    [
      'the host the socket error names',
      socketError('ENOTFOUND', { hostname: 'secretsmanager.eu-west-9.amazonaws.com' }),
      {},
      'could not reach secretsmanager.eu-west-9.amazonaws.com (region eu-west-9), ENOTFOUND',
    ],
    [
      'the default endpoints of the region',
      new OwnError('rotation failed', { cause: socketError('ETIMEDOUT') }),
      {},
      'could not reach the AWS endpoints of region eu-west-9 (no AWS_ENDPOINT_URL set), ETIMEDOUT',
    ],
    [
      'a configured endpoint',
      socketError('ECONNRESET'),
      { AWS_ENDPOINT_URL: `https://user:${CANARY}@vpce.example.com/path?x=${CANARY}` },
      'could not reach vpce.example.com (region eu-west-9), ECONNRESET',
    ],
    [
      'an AggregateError of attempts',
      new AggregateError([socketError('ECONNREFUSED', { address: '10.0.0.9', port: 443 })]),
      {},
      'could not reach 10.0.0.9:443 (region eu-west-9), ECONNREFUSED',
    ],
  ])('names the AWS endpoint and region: %s', (_case, error, env, hint) => {
    // Act
    const failure = describeFailure(error, {
      argv: argv('rotate'),
      env: { AWS_REGION: 'eu-west-9', ...env },
    });

    // Assess
    expect(failure.hint).toContain(hint);
  });

  it('reads the code a command kept when it re-threw a foreign error as text', () => {
    // Prepare: what `rotate` throws after reducing an SDK error with safeReason
    const error = new OwnError('Error ECONNREFUSED');

    // Act
    const failure = describeFailure(error, {
      argv: argv('rotate'),
      env: { AWS_ENDPOINT_URL: 'http://localhost:4566' },
    });

    // Assess
    expect(failure.hint).toContain('gatewarden local start');
  });

  it.each([
    [
      ['rotate', '--secret', 'gatewarden/gw-1/apiKey/weather'],
      'secret "gatewarden/gw-1/apiKey/weather" was not found in region us-east-1',
    ],
    [['register', 'update', '--secret=my-secret'], 'secret "my-secret" was not found'],
    [
      ['register', 'apikey', '--provider', 'p1', '--gateway', 'gw-9'],
      'one of credential provider "p1", gateway "gw-9" was not found',
    ],
    [['report'], 'what the command names was not found'],
  ])('names what was not found: %j', (args, hint) => {
    // Act
    const failure = describeFailure(serviceError('ResourceNotFoundException'), {
      argv: argv(...args),
      env: { AWS_REGION: 'us-east-1' },
    });

    // Assess
    expect(failure.message).toBe('ResourceNotFoundException');
    expect(failure.hint).toContain(hint);
  });

  it.each([
    [
      'ExpiredTokenException',
      'the AWS credentials have expired (ExpiredTokenException)',
      /aws sso login --profile ops/,
    ],
    ['ExpiredToken', 'the AWS credentials have expired (ExpiredToken)', /assume the role again/],
    [
      'InvalidClientTokenId',
      'AWS does not accept these credentials (InvalidClientTokenId)',
      /aws sts get-caller-identity.*profile "ops".*account/,
    ],
    [
      'UnrecognizedClientException',
      'AWS does not accept these credentials (UnrecognizedClientException)',
      /account and partition/,
    ],
  ])('names credentials AWS refused (%s) and what to check', (code, message, hint) => {
    // Act
    const failure = describeFailure(serviceError(code), {
      argv: argv('doctor'),
      env: { AWS_PROFILE: 'ops', AWS_REGION: 'eu-west-1' },
    });

    // Assess
    expect(failure.message).toBe(message);
    expect(failure.hint).toMatch(hint);
    expect(renderFailure(failure, true).text).not.toContain(CANARY);
  });

  it('never echoes a profile name that could carry terminal escapes', () => {
    // Act
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const failure = describeFailure(error, {
      argv: argv('doctor'),
      env: { AWS_PROFILE: 'x\u001b[2Jy' },
    });

    // Assess
    expect(failure.message).toBe('no AWS credentials were found');
  });

  it('leaves other failures without a hint', () => {
    // Act
    const failure = describeFailure(new OwnError('no secret carries the tag a=b'), {
      argv: argv('rotate', '--tag', 'a=b'),
      env: {},
    });

    // Assess
    expect(failure).toEqual({
      kind: 'runtime',
      exitCode: 1,
      message: 'no secret carries the tag a=b',
    });
  });

  it.each([
    socketError('ECONNREFUSED'),
    serviceError('ResourceNotFoundException'),
    serviceError('AccessDeniedException'),
    new OwnError('step failed', { cause: new SyntaxError(`Unexpected token ${CANARY}`) }),
  ])('never copies foreign text: %p', (error) => {
    // Act
    const failure = describeFailure(error, {
      argv: argv('rotate', '--secret', 's', '--json'),
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' },
    });

    // Assess
    for (const json of [true, false]) {
      expect(renderFailure(failure, json).text).not.toContain(CANARY);
    }
  });
});

describe('renderFailure', () => {
  const usage = {
    kind: 'usage',
    exitCode: 2,
    message: "unknown option '--nope'",
    command: 'gatewarden rotate',
  } as const;

  it('prints a usage error as one line and where to read the help', () => {
    expect(renderFailure(usage, false)).toEqual({
      stream: 'stderr',
      text: "gatewarden: unknown option '--nope'\nsee `gatewarden rotate --help`\n",
    });
  });

  it('prints a runtime failure and its hint', () => {
    expect(
      renderFailure(
        { kind: 'runtime', exitCode: 1, message: 'Error ECONNREFUSED', hint: 'h' },
        false,
      ),
    ).toEqual({ stream: 'stderr', text: 'gatewarden: Error ECONNREFUSED\nhint: h\n' });
  });

  it('prints one JSON document on stdout under --json', () => {
    // Act
    const { stream, text } = renderFailure(usage, true);

    // Assess
    expect(stream).toBe('stdout');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      error: { kind: 'usage', message: "unknown option '--nope'", command: 'gatewarden rotate' },
    });
  });
});

describe('wantsJson', () => {
  it.each([
    [argv('rotate', '--json'), true],
    [argv('rotate'), false],
    [argv('detect', '--', '--json'), false],
  ])('%j → %s', (args, expected) => {
    expect(wantsJson(args)).toBe(expected);
  });
});
