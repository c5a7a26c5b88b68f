import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { diffReports } from '../../../lib/reports/diff.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { runScheduledReport } from '../../../lib/reports/scheduled.js';
import { MemoryReportStore } from '../../../lib/reports/store.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { defaultDeps, makeHandler, REPORT_ENV } from '../../../functions/report.js';
import type { Context } from 'aws-lambda';
import { dailyRecords } from '../../support/dailyRecords.js';

const A = '111122223333';
const CANARY = 'CANARY-sk-live-9f8e7d6c5b4a';
const catalog = new IamDataCatalog();

function details(actions: string[], resource = '*') {
  return {
    RoleDetailList: [
      {
        RoleName: 'gw-role',
        Arn: `arn:aws:iam::${A}:role/gw-role`,
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        RolePolicyList: [
          {
            PolicyName: 'out',
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
            },
          },
        ],
        AttachedManagedPolicies: [],
      },
    ],
    Policies: [],
  };
}

// A CloudTrail record carrying secret material where careless code would copy it along.
const record = {
  eventVersion: '1.11',
  eventTime: '2026-11-27T10:00:00Z',
  eventSource: 'secretsmanager.amazonaws.com',
  eventName: 'PutSecretValue',
  awsRegion: 'us-east-1',
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${A}:assumed-role/gw-role/s`,
    sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${A}:role/gw-role` } },
  },
  requestParameters: {
    secretId: `arn:aws:secretsmanager:us-east-1:${A}:secret:gatewarden/x`,
    secretString: CANARY,
    clientSecret: CANARY,
  },
  responseElements: { token: CANARY },
  additionalEventData: { note: CANARY },
};

function deps(store: MemoryReportStore, sink: MemoryAlertSink, iam: unknown, at: string) {
  return {
    report: {
      iam: new MemoryIamSource(iam),
      // A trail with records every day through both reports' windows (usage known).
      activity: new MemoryActivitySource([record, ...dailyRecords(A, '2026-08-25', '2026-12-05')]),
      catalog,
      now: () => new Date(at),
    },
    store,
    sinks: [sink],
  };
}

describe('runScheduledReport', () => {
  it('stores dated reports with a latest pointer, diffs against the previous one and alerts', async () => {
    // Prepare
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    // Act: week 1 grants secretsmanager:* on *, week 2 is fixed to the used action on one ARN.
    const first = await runScheduledReport(
      deps(store, sink, details(['secretsmanager:*']), '2026-11-28T06:00:00Z'),
    );
    const second = await runScheduledReport(
      deps(
        store,
        sink,
        details(
          ['secretsmanager:PutSecretValue'],
          `arn:aws:secretsmanager:us-east-1:${A}:secret:gatewarden/*`,
        ),
        '2026-12-05T06:00:00Z',
      ),
    );
    // Assess
    expect(first.location).toBe('reports/2026/11/28/20261128T060000Z');
    expect(second.location).toBe('reports/2026/12/05/20261205T060000Z');
    expect([...store.objects.keys()]).toHaveLength(6);
    expect((await store.latest())?.generatedAt).toBe('2026-12-05T06:00:00.000Z');
    expect(first.newFindings).toBe(first.findings);
    expect(second.resolvedFindings).toBeGreaterThan(0);
    expect(sink.alerts).toHaveLength(2);
    expect(sink.alerts[1]?.detailType).toBe('Access Report');
    expect(sink.alerts[1]?.body).toMatch(/Resolved findings \([1-9]/);
  });

  it('says usage is unknown in the alert when the trail holds nothing inside the window', async () => {
    // Prepare: the only record is from 2026-11-27; the second report looks at one day in 2027.
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    await runScheduledReport(
      deps(store, sink, details(['secretsmanager:*']), '2026-11-28T06:00:00Z'),
    );
    const late = deps(store, sink, details(['secretsmanager:*']), '2027-06-01T06:00:00Z');
    // Act
    await runScheduledReport({
      ...late,
      report: { ...late.report, now: () => new Date('2027-06-01T06:00:00Z') },
    });
    // Assess
    const alert = sink.alerts[1];
    expect(alert?.subject).toContain('(usage unknown)');
    expect(alert?.body).toContain('Usage unknown: no CloudTrail record');
    expect(alert?.body).toContain('any listed as resolved below are not fixed');
    expect((await store.latest())?.findings.some((f) => f.checkId === 'idle-principal')).toBe(
      false,
    );
  });

  it('never copies secret material from CloudTrail into reports or alerts', async () => {
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    await runScheduledReport(
      deps(store, sink, details(['secretsmanager:*']), '2026-11-28T06:00:00Z'),
    );
    const everything = [...store.objects.values(), JSON.stringify(sink.alerts)].join('\n');
    expect(everything).toContain('secretsmanager:PutSecretValue');
    expect(everything).not.toContain(CANARY);
  });
});

describe('diffReports', () => {
  it('reports new unused grants and new wildcards', async () => {
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    await runScheduledReport(
      deps(store, sink, details(['secretsmanager:PutSecretValue']), '2026-11-28T06:00:00Z'),
    );
    const before = await store.latest();
    await runScheduledReport(
      deps(
        store,
        sink,
        details(['secretsmanager:PutSecretValue', 'secretsmanager:Get*']),
        '2026-12-05T06:00:00Z',
      ),
    );
    const after = await store.latest();
    if (!before || !after) throw new Error('reports not stored');
    const diff = diffReports(before, after);
    expect(diff.newUnusedGrants).toEqual([
      {
        arn: `arn:aws:iam::${A}:role/gw-role`,
        actions: expect.arrayContaining(['secretsmanager:GetSecretValue']),
      },
    ]);
    expect(diff.newWildcards.map((w) => w.grant.actions)).toEqual([
      ['secretsmanager:PutSecretValue', 'secretsmanager:Get*'],
    ]);
    expect(diff.resolvedWildcards.map((w) => w.grant.actions)).toEqual([
      ['secretsmanager:PutSecretValue'],
    ]);
  });
});

describe('report handler', () => {
  const context = {} as Context;
  it('runs on the weekly schedule event', async () => {
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    const handler = makeHandler({
      ...deps(store, sink, details(['secretsmanager:*']), '2026-11-28T06:00:00Z'),
      days: 90,
      managers: [],
    });
    const event = (await import('../../../events/report.schedule.json', { with: { type: 'json' } }))
      .default;
    const result = await handler(event as never, context);
    expect(result.location).toMatch(/^reports\/2026\/11\/28\//);
    expect(sink.alerts).toHaveLength(1);
  });

  it('rejects an event it does not understand, before doing any work', async () => {
    const store = new MemoryReportStore();
    const handler = makeHandler(() => {
      throw new Error('dependencies must not be built for a bad event');
    });
    await expect(handler({ days: 'many' } as never, context)).rejects.toThrow(/Scheduled Event/);
    expect(store.objects.size).toBe(0);
  });

  it('labels principals from GATEWARDEN_REPORT_LABELS in the stored report and the alert', async () => {
    const env = {
      GATEWARDEN_REPORT_BUCKET: 'reports',
      [REPORT_ENV.labels]: `# the stage's own\narn:aws:iam::*:role/gw-*=set-up;arn:aws:iam::*:role/none=ci`,
    };
    const labels = defaultDeps(env).labels;
    expect(labels).toEqual([
      { pattern: 'arn:aws:iam::*:role/gw-*', label: 'set-up' },
      { pattern: 'arn:aws:iam::*:role/none', label: 'ci' },
    ]);
    const store = new MemoryReportStore();
    const sink = new MemoryAlertSink();
    const handler = makeHandler({
      ...deps(store, sink, details(['secretsmanager:*']), '2026-11-28T06:00:00Z'),
      days: 90,
      managers: [],
      labels: labels ?? [],
    });
    const result = await handler({ days: 30 }, context);
    const json = JSON.parse(store.objects.get(`${result.location}/report.json`) ?? '{}') as {
      roles: { labels?: string[] }[];
      summary: { labelled?: { principals: number } };
    };
    expect(json.roles[0]?.labels).toEqual(['set-up']);
    expect(json.summary.labelled?.principals).toBe(1);
    expect(store.objects.get(`${result.location}/report.html`)).toContain(
      '<span class="label" data-label="set-up">set-up</span>',
    );
    expect(sink.alerts[0]?.body).toMatch(/Labelled: 1 principal and \d+ findings? labelled/);
  });

  it('refuses a malformed label rule in its configuration, naming the rule syntax', () => {
    expect(() =>
      defaultDeps({ GATEWARDEN_REPORT_BUCKET: 'reports', [REPORT_ENV.labels]: 'no-label-here' }),
    ).toThrow(/<principal ARN or glob>=<label>/);
  });
});
