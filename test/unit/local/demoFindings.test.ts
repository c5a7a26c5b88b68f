import {
  describeFindings,
  labelFindings,
  splitFindings,
  splitReportFindings,
  type DemoFinding,
} from '../../../scripts/demo/findings.js';

const admin = 'arn:aws:iam::123456789012:user/moto';
const contractor = 'arn:aws:iam::123456789012:user/contractor-dev';
const finding = (over: Partial<DemoFinding>): DemoFinding => ({
  ruleId: 'gateway-modified',
  severity: 'low',
  title: 'AgentCore gateway created, updated or deleted',
  principal: admin,
  eventName: 'CreateGateway',
  ...over,
});

describe('the demo summary of detection findings', () => {
  // Prepare: two seeded suspicious calls (one flagged twice), and the admin's set-up calls.
  const findings = [
    finding({
      eventId: 'setup-1',
      ruleId: 'secret-read-by-unexpected-principal',
      severity: 'high',
      eventName: 'GetSecretValue',
    }),
    finding({
      eventId: 'setup-2',
      ruleId: 'secret-read-by-unexpected-principal',
      severity: 'high',
      eventName: 'GetSecretValue',
    }),
    finding({
      eventId: 'bad-1',
      principal: contractor,
      ruleId: 'gateway-modified',
      eventName: 'UpdateGateway',
    }),
    finding({
      eventId: 'bad-1',
      principal: contractor,
      ruleId: 'gateway-auth-weakened',
      severity: 'critical',
      eventName: 'UpdateGateway',
    }),
    finding({ eventId: 'setup-3', count: 3 }),
    finding({
      eventId: 'bad-2',
      principal: contractor,
      ruleId: 'cloudtrail-stopped',
      severity: 'critical',
      eventName: 'StopLogging',
    }),
  ];
  const suspicious = new Set(['bad-1', 'bad-2', 'bad-3']);

  it('puts findings on seeded calls in the scenario, the rest in set-up noise', () => {
    // Act
    const split = splitFindings(findings, suspicious);

    // Assess
    expect(split.scenario.map((f) => f.ruleId)).toEqual([
      'gateway-auth-weakened',
      'cloudtrail-stopped',
      'gateway-modified',
    ]);
    expect(split.noiseCount).toBe(3);
    expect(split.noise).toEqual([
      expect.objectContaining({ ruleId: 'secret-read-by-unexpected-principal', findings: 2 }),
      expect.objectContaining({ ruleId: 'gateway-modified', findings: 1 }),
    ]);
    expect(split.noisePrincipals).toEqual([admin]);
    expect(split.missed).toEqual(['bad-3']);
  });

  it('lists as many findings as it counts', () => {
    const split = splitFindings(findings, suspicious);

    const lines = describeFindings(split);

    const scenarioCount = Number(/attack scenario: (\d+)/.exec(lines.join('\n'))?.[1]);
    const noiseCount = Number(/set-up noise: (\d+)/.exec(lines.join('\n'))?.[1]);
    const scenarioLines = lines.filter((l) => /^ {2}\[/.test(l)).length;
    const noiseListed = lines
      .map((l) => /^\s+(\d+) × /.exec(l)?.[1])
      .filter(Boolean)
      .reduce((n, c) => n + Number(c), 0);
    expect(scenarioLines).toBe(scenarioCount);
    expect(noiseListed).toBe(noiseCount);
    expect(scenarioCount + noiseCount).toBe(findings.length);
    expect(lines.join('\n')).toContain(`by ${admin}`);
  });

  it('counts per rule and severity, as findings.jsonl has them (2 high + 1 medium is not 3 high)', () => {
    const mixed = [
      { ruleId: 'credential-provider-changed', severity: 'high', title: 't', eventId: 'a' },
      { ruleId: 'credential-provider-changed', severity: 'high', title: 't', eventId: 'b' },
      { ruleId: 'credential-provider-changed', severity: 'medium', title: 't', eventId: 'c' },
    ];

    const lines = describeFindings(splitFindings(mixed, new Set()));

    expect(lines.filter((l) => l.includes('credential-provider-changed'))).toEqual([
      '    2 × [high    ] credential-provider-changed ()',
      '    1 × [medium  ] credential-provider-changed ()',
    ]);
  });

  it('labels each line of findings.jsonl as scenario or set-up', () => {
    const jsonl = findings.map((f) => JSON.stringify(f)).join('\n') + '\n';

    const labelled = labelFindings(jsonl, suspicious)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { eventId?: string; demoPart: string });

    expect(labelled).toHaveLength(findings.length);
    for (const f of labelled) {
      expect(f.demoPart).toBe(f.eventId && suspicious.has(f.eventId) ? 'scenario' : 'set-up');
    }
  });
});

describe('the demo summary of report findings', () => {
  it('puts each finding in one part: the gateway’s, the set-up’s (by label), or elsewhere', () => {
    const findings = [
      { resource: 'arn:aws:iam::123456789012:role/demo-gw-role', labels: undefined },
      { resource: admin, labels: ['set-up'] },
      { resource: admin, labels: ['set-up', 'break-glass'] },
      // Labelled but about the gateway: listed once, with the gateway's.
      {
        resource: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1',
        labels: ['set-up'],
      },
      { resource: 'arn:aws:iam::123456789012:role/other', labels: ['ci'] },
      { resource: 'account', labels: undefined },
    ];
    const parts = splitReportFindings(findings, ['gw-1', 'demo-gw-role']);
    expect(parts.gateway).toEqual([findings[0], findings[3]]);
    expect(parts.setUp).toEqual([findings[1], findings[2]]);
    expect(parts.elsewhere).toBe(2);
    expect(parts.gateway.length + parts.setUp.length + parts.elsewhere).toBe(findings.length);
  });
});
