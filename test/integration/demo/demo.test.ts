/**
 * `gatewarden demo` end to end, as a new user runs it, on a local stack of its own (so the
 * CloudTrail it replays is the demo's alone): the summary counts what it lists, the attack
 * scenario is told apart from set-up noise, CloudTrail names real principals, the EXTERNAL
 * rotation path is shown, doctor passes, and the outputs land in the folder it names.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = process.cwd();
const WORK = mkdtempSync(path.join(tmpdir(), 'gw-demo-'));
const OUT = path.join(WORK, 'out');
let stdout = '';

beforeAll(async () => {
  const result = await run(
    process.execPath,
    [path.join(ROOT, 'bin', 'gatewarden.js'), 'demo', '--out', OUT],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        GATEWARDEN_LOCAL_STATE_DIR: path.join(WORK, 'stack'),
        // What a new user gets without setting it; audit or off would fail the demo.
        GATEWARDEN_LOCAL_IAM: undefined,
      },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    },
  );
  stdout = result.stdout;
}, 320_000);

const section = (title: string): string[] => {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`== ${title}`));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('== '));
  return lines.slice(start, end < 0 ? undefined : end);
};

describe('gatewarden demo', () => {
  it('lists as many findings as it counts, the attack apart from set-up noise', () => {
    const detection = section('6.');
    const scenario = Number(/attack scenario: (\d+) finding/.exec(detection.join('\n'))?.[1]);
    const noise = Number(/set-up noise: (\d+) finding/.exec(detection.join('\n'))?.[1]);
    const scenarioLines = detection.filter((l) => /^ {2}\[/.test(l));
    const noiseListed = detection
      .map((l) => /^\s+(\d+) × \[/.exec(l)?.[1])
      .filter(Boolean)
      .reduce((n, c) => n + Number(c), 0);
    expect(scenarioLines).toHaveLength(scenario);
    expect(noiseListed).toBe(noise);
    // Every seeded suspicious call is flagged, and only the scenario's actors are in it.
    expect(stdout).toMatch(/(\d+)\/\1 suspicious calls flagged/);
    for (const line of scenarioLines)
      expect(line).toMatch(/contractor-dev|analytics-batch|gateway-tool-first-call: .* — jwt:/);
    expect(detection.join('\n')).toMatch(
      /set-up noise: .* by arn:aws:iam::\d{12}:user\/gatewarden-demo-admin-/,
    );
    const summary =
      /detection: (\d+) findings from \d+ records — (\d+) on the attack scenario .*, (\d+) set-up noise/.exec(
        stdout,
      );
    expect(Number(summary?.[1])).toBe(scenario + noise);
    expect(Number(summary?.[2])).toBe(scenario);
    expect(Number(summary?.[3])).toBe(noise);
    const written = readFileSync(path.join(OUT, 'findings.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(written).toHaveLength(scenario + noise);
  });

  it("writes its agent's tool calls as InvokeGateway data events, marked as the demo's, and flags its first call of a new tool", () => {
    const { Records } = JSON.parse(readFileSync(path.join(OUT, 'cloudtrail.json'), 'utf8')) as {
      Records: Array<Record<string, unknown>>;
    };
    const invokes = Records.filter((r) => r.eventName === 'InvokeGateway');
    expect(invokes.length).toBeGreaterThan(30);
    for (const record of invokes) {
      expect(record).toMatchObject({
        eventCategory: 'Data',
        managementEvent: false,
        gatewardenDemo: expect.stringContaining('no gateway data plane'),
        requestParameters: { body: { jsonrpc: '2.0', method: expect.any(String) } },
        responseElements: { statusCode: 200 },
        additionalEventData: { jwt: { claims: { sub: expect.any(String) } } },
      });
    }
    const tools = new Set(
      invokes.map(
        (r) => (r.requestParameters as { body: { params?: { name?: string } } }).body.params?.name,
      ),
    );
    expect([...tools].filter(Boolean).sort()).toEqual(['crm___getWeather', 'weather___getWeather']);
    expect(section('6.').join('\n')).toMatch(
      /InvokeGateway data events of the agent's tool calls .* marked "gatewardenDemo"/,
    );
    expect(section('6.').join('\n')).toMatch(/gateway-tool-first-call: .* — jwt:/);
  });

  it('runs every call as AWS would authorize it: the stack enforces IAM and refused nothing', () => {
    expect(section('9.').join('\n')).not.toContain('refused  ');
    expect(stdout).toContain('- iam: enforce mode, 0 call(s) refused');
  });

  it('records valid ARNs of the calling principals in CloudTrail', () => {
    const { Records } = JSON.parse(readFileSync(path.join(OUT, 'cloudtrail.json'), 'utf8')) as {
      Records: Array<{ userIdentity?: { arn?: string } }>;
    };
    const arns = new Set(Records.map((r) => r.userIdentity?.arn).filter(Boolean));
    expect([...arns].filter((arn) => /^arn:aws:sts::\d{12}:user\//.test(String(arn)))).toEqual([]);
    expect([...arns].some((arn) => /:user\/gatewarden-demo-admin-/.test(String(arn)))).toBe(true);
  });

  it('shows the EXTERNAL secret-source rotation, doctor passing, and where the outputs are', () => {
    expect(stdout).toMatch(/EXTERNAL source, no provider update/);
    expect(stdout).toMatch(/- doctor: \d+ passed, 0 failed, 0 could not be verified \(exit 0\)/);
    expect(stdout).toContain(
      `- outputs in ${OUT}: findings.jsonl, cloudtrail.json, report/, tools/, summary.txt`,
    );
    for (const file of [
      'summary.txt',
      'cloudtrail.json',
      'report/report.json',
      'report/report.html',
    ])
      expect(existsSync(path.join(OUT, file))).toBe(true);
  });

  it("summarizes its agent's tool access and the Cedar policy that allows exactly it", () => {
    // The summary: the tool table (tools read live from the gateway) and the validated policy.
    const summary = section('Summary').join('\n');
    expect(summary).toMatch(
      /- tools: gateway \S+: 2 tool\(s\) called of 2 exposed, by 1 principal\(s\) \(tools read live\)/,
    );
    expect(summary).toMatch(/^ {4}tool +exposed +calls +ok +refused +policy denied +failed/m);
    expect(summary).toMatch(/^ {4}weather___getWeather +yes +[1-9]\d* +[1-9]/m);
    expect(summary).toMatch(/recommended Cedar policy \(1 validated, 0 not offered\)/);
    expect(summary).toMatch(/^ {4}permit \(/m);
    const tools = JSON.parse(readFileSync(path.join(OUT, 'tools/tools.json'), 'utf8')) as {
      sources: { inventory: string };
      gateways: { gatewayId: string; recommendation?: { cedar: string } }[];
    };
    expect(tools.sources.inventory).toBe('api');
    const cedar = tools.gateways[0]?.recommendation?.cedar ?? '';
    expect(cedar).toContain('AgentCore::Action::"weather___getWeather"');
    expect(cedar).toContain('AgentCore::Action::"crm___getWeather"');
    // What the summary prints is the policy written to the .cedar file.
    const file = readFileSync(
      path.join(OUT, 'tools', `${tools.gateways[0]?.gatewayId ?? ''}.cedar`),
      'utf8',
    );
    expect(file).toBe(cedar);
    for (const line of cedar.trimEnd().split('\n')) expect(summary).toContain(`    ${line}`);
  });

  it('labels its own admins set-up in the report, and its report counts add up', () => {
    const lines = section('7.');
    const text = lines.join('\n');
    const onGateway = Number(/findings on the demo gateway and its role: (\d+)/.exec(text)?.[1]);
    const setUp = Number(/findings labelled set-up .*: (\d+)$/m.exec(text)?.[1]);
    const elsewhere = Number(
      /findings on other roles and checks of the account: (\d+)/.exec(text)?.[1],
    );
    const listed = lines.filter((l) => /^ {2}\[/.test(l));
    expect(listed.filter((l) => l.includes('[set-up]'))).toHaveLength(setUp);
    expect(listed).toHaveLength(onGateway + setUp);
    const report = JSON.parse(readFileSync(path.join(OUT, 'report/report.json'), 'utf8')) as {
      findings: { severity: string; resource: string; labels?: string[] }[];
      roles: { arn: string; labels?: string[] }[];
      principals: { arn: string; labels?: string[] }[];
      summary: { labelled?: { principals: number; findings: number } };
    };
    expect(onGateway + setUp + elsewhere).toBe(report.findings.length);
    expect(stdout).toContain(
      `report: ${report.roles.length} roles analysed, ${report.findings.length} findings — ${onGateway} on the demo gateway (listed), ${setUp} labelled set-up (listed), ${elsewhere} elsewhere`,
    );
    // The demo's admins (its installer, and the stage admin when the stack lists it) carry
    // the label, and so do their findings: the admin policy's critical one included, counted.
    const admins = [...report.roles, ...report.principals].filter((p) =>
      /:user\/(moto|gatewarden-demo-admin-[0-9a-f]+)$/.test(p.arn),
    );
    expect(admins.length).toBeGreaterThan(0);
    for (const a of admins) expect(a.labels).toEqual(['set-up']);
    const onAdmins = report.findings.filter((f) => admins.some((a) => a.arn === f.resource));
    expect(onAdmins.some((f) => f.severity === 'critical')).toBe(true);
    for (const f of onAdmins) expect(f.labels).toEqual(['set-up']);
    expect(report.summary.labelled?.findings).toBe(setUp);
    expect(readFileSync(path.join(OUT, 'report/report.html'), 'utf8')).toContain(
      '<span class="label" data-label="set-up">set-up</span>',
    );
    expect(readFileSync(path.join(OUT, 'report/report.md'), 'utf8')).toMatch(
      /Labelled: \d+ principals? and \d+ findings? labelled \(set-up:/,
    );
  });
});
