import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import { toolOf } from '../../../lib/detection/tooling.js';
import { fixtureRecord, loadFixtures } from './fixtureSupport.js';

/** Attacker tooling in the user agent: a finding of its own and a raise of what follows. */

const KALI =
  'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off md/command#lambda.list-functions';
const BACKDOOR =
  'invoke permission for an outside account (Stratus aws.persistence.lambda-backdoor-function: a fictitious external account)';

function engine() {
  return new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
}

async function run(e: DetectionEngine, raw: Record<string, unknown>) {
  const validated = validateRecord(raw);
  if (!validated.ok) throw new Error(validated.reason);
  return (await e.evaluate(validated.record)).findings;
}

/** The backdoor record, at a given time, optionally with another user agent. */
function backdoor(
  eventTime: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...fixtureRecord('lambdaFunctionExposed.fixtures.json', BACKDOOR),
    eventTime,
    eventID: `backdoor-${eventTime}`,
    ...overrides,
  };
}

/** A read by the same principal with the Kali user agent. */
function kaliRead(eventTime: string) {
  return {
    ...backdoor(eventTime),
    eventName: 'ListFunctions20150331',
    requestParameters: null,
    responseElements: null,
    readOnly: true,
    userAgent: KALI,
    eventID: `kali-${eventTime}`,
  };
}

describe('attacker tooling user agents', () => {
  it.each([
    ['GuardDuty KaliLinux (aws-cli distrib)', KALI, 'Kali Linux'],
    [
      'Boto3 on a Parrot kernel',
      'Boto3/1.34.46 Python/3.11.8 Linux/6.5.0-13parrot1-amd64 Botocore/1.34.46',
      'Parrot OS',
    ],
    ['Pentoo', 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.13-pentoo botocore/2.4.5', 'Pentoo Linux'],
    ['TruffleHog', 'TruffleHog', 'TruffleHog'],
    ['S3 Browser', 'S3 Browser/11.5.7 (https://s3browser.com)', 'S3 Browser'],
  ])('names %s', (_name, agent, tool) => {
    expect(toolOf(agent)?.tool).toBe(tool);
  });

  it.each([
    'aws-cli/2.22.35 md/awscrt#0.23.8 ua/2.0 os/linux#6.8.0-1019-aws md/arch#x86_64 lang/python#3.12.9 md/distrib#ubuntu.24',
    'Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 lang/python#3.12.7 exec-env/AWS_Lambda_python3.12',
    'aws-sdk-js/3.1164.0 ua/2.1 os/linux#5.10.227 lang/js md/nodejs#22.11.0 api/lambda#3.1164.0',
    'APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.82.2',
    'cloudformation.amazonaws.com',
    'AWS Internal',
    'console.amazonaws.com',
  ])('names no tool in %s', (agent) => {
    expect(toolOf(agent)).toBeUndefined();
  });

  it('raises a later finding of the principal one step, naming the tool', async () => {
    // Prepare
    const e = engine();
    // Act
    const first = await run(e, kaliRead('2026-11-20T09:50:00Z'));
    const findings = await run(e, backdoor('2026-11-20T10:15:00Z'));
    // Assess
    expect(first.map((f) => f.ruleId)).toContain('attacker-tool-user-agent');
    const exposed = findings.find((f) => f.ruleId === 'lambda-function-exposed');
    expect(exposed?.severity).toBe('critical');
    expect(exposed?.details).toMatchObject({ attackerTool: 'Kali Linux' });
  });

  it('does not raise what the principal does a day later, nor before the tooling was seen', async () => {
    // Prepare
    const e = engine();
    // Act
    await run(e, kaliRead('2026-11-20T09:50:00Z'));
    const before = await run(e, backdoor('2026-11-20T09:40:00Z'));
    const later = await run(
      e,
      backdoor('2026-11-21T10:15:00Z', {
        requestParameters: {
          functionName: 'other-fn',
          statementId: 'x',
          action: 'lambda:InvokeFunction',
          principal: 'arn:aws:iam::444455556666:root',
        },
      }),
    );
    // Assess
    expect(before.find((f) => f.ruleId === 'lambda-function-exposed')?.severity).toBe('high');
    expect(later.find((f) => f.ruleId === 'lambda-function-exposed')?.severity).toBe('high');
  });

  it('does not raise another principal', async () => {
    // Prepare
    const e = engine();
    const other = backdoor('2026-11-20T10:15:00Z');
    const identity = other.userIdentity as Record<string, unknown>;
    // Act
    await run(e, kaliRead('2026-11-20T09:50:00Z'));
    const findings = await run(e, {
      ...other,
      userIdentity: {
        ...identity,
        arn: 'arn:aws:sts::111122223333:assumed-role/reporting/r1',
        principalId: 'AROAEXAMPLEREPORT001:r1',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEREPORT001',
            arn: 'arn:aws:iam::111122223333:role/reporting',
            accountId: '111122223333',
            userName: 'reporting',
          },
        },
      },
    });
    // Assess
    expect(findings.find((f) => f.ruleId === 'lambda-function-exposed')?.severity).toBe('high');
  });
  it('does not raise other unidentified callers after one anonymous call with tooling', async () => {
    // Prepare: an outsider's InvokeGateway with a bad token and a Kali user agent. CloudTrail
    // names no caller (`Unknown`, empty principal id): every unauthenticated caller reads alike.
    const e = engine();
    const burst = loadFixtures()
      .find((f) => f.ruleId === 'gateway-invoke-auth-failures')
      ?.cases.find((c) => c.name === '20 refused invocations from one address in 40 seconds');
    if (burst === undefined) throw new Error('fixture missing');
    const probe = {
      ...(burst.records[0] as Record<string, unknown>),
      sourceIPAddress: '198.51.100.7',
      userAgent: KALI,
      eventTime: '2026-11-20T10:00:00Z',
      eventID: 'outsider-kali-probe',
    };
    // Act
    const first = await run(e, probe);
    const findings = [];
    for (const record of burst.records)
      findings.push(...(await run(e, record as Record<string, unknown>)));
    // Assess: the probe itself is reported; another address's burst keeps its own severity.
    expect(first.map((f) => f.ruleId)).toContain('attacker-tool-user-agent');
    const refused = findings.find((f) => f.ruleId === 'gateway-invoke-auth-failures');
    expect(refused?.severity).toBe(burst.severity);
    expect(refused?.details).not.toHaveProperty('attackerTool');
  });
});
