/**
 * Gateway names, descriptions and URLs are written by whoever may update a gateway — often a
 * less-privileged principal than the one reading the report. They reach the Markdown, the HTML
 * page and the terminal as text, never as markup or terminal control.
 */
import { formatDoctorReport } from '../../../cli/commands/doctor.js';
import { runDoctor, type DoctorReader } from '../../../lib/doctor/index.js';
import type { GatewayPosture } from '../../../lib/posture/types.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import type { GatewayInventory } from '../../../lib/reports/inventory.js';
import { postureDeclarations, rotatedProviders } from '../../../lib/reports/postureChecks.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import { forTerminal } from '../../../lib/shared/terminal.js';

const ACCOUNT = '111122223333';
const ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-evil`;
const NAME = 'orders</h3><script>alert(1)</script>|x\n# Approved\u001b[2J\u202e';
const URL_ = 'http://evil.example/"><img src=x onerror=alert(1)>/.well-known/openid-configuration';

function hostile(): GatewayPosture {
  return {
    gatewayId: 'gw-evil',
    gatewayArn: ARN,
    name: NAME,
    authorizerType: 'CUSTOM_JWT',
    jwt: { discoveryUrl: URL_, allowedClients: ['a|b'], allowedAudience: [], allowedScopes: [] },
    interceptors: [],
    resourcePolicy: null,
    targets: [],
    gaps: {},
  };
}

async function report() {
  const inventory: GatewayInventory = {
    accountId: ACCOUNT,
    region: 'us-east-1',
    gateways: [
      {
        gatewayId: 'gw-evil',
        gatewayArn: ARN,
        name: NAME,
        authorizerType: 'CUSTOM_JWT',
        targets: [],
        posture: hostile(),
      },
    ],
    credentialProviders: [],
    secrets: [],
    configuredManagers: [],
    gaps: [],
  };
  return generateReport({
    iam: new MemoryIamSource({
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    }),
    inventory: { load: async () => inventory },
    catalog: new IamDataCatalog(),
    now: () => new Date('2026-12-05T00:00:00Z'),
  });
}

describe('untrusted gateway text in posture output', () => {
  it('the HTML page shows it as text: no element, attribute or script from the gateway', async () => {
    const html = renderHtml(await report());
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('Gateway posture: orders&#60;/h3&#62;');
  });

  it('the Markdown keeps it inside its table cell and heading', async () => {
    const markdown = renderMarkdown(await report());
    expect(markdown).not.toMatch(/^# Approved/m);
    expect(markdown).not.toContain('<script>');
    const heading = markdown.split('\n').find((l) => l.startsWith('### Gateway posture:'));
    expect(heading).toContain('\\|x # Approved');
    // Every posture table row has exactly the six columns: no `|` from the gateway splits one.
    const rows = markdown.split('\n').filter((l) => l.startsWith('| gateway-'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(8);
  });

  it('the terminal sees no control character from the gateway (report and doctor)', async () => {
    const printed = forTerminal(renderMarkdown(await report()), { lines: true });
    expect(printed).not.toContain('\u001b');
    expect(printed).not.toContain('\u202e');
    expect(printed).toContain('\\u001B');

    const reader: DoctorReader = {
      caller: async () => ({ arn: `arn:aws:iam::${ACCOUNT}:user/ops`, account: ACCOUNT }),
      simulate: async (_, rights) => new Map(rights.map((r) => [r.action, 'allowed' as const])),
      trails: async () => [],
      rules: async () => [],
      secrets: async () => [],
      pinnedProvider: async () => null,
      registeredSchedule: async () => undefined,
      provider: async () => null,
      ruleNamesTargeting: async () => [],
      gatewayPostures: async () => ({ gateways: [hostile()] }),
    };
    const doctor = await runDoctor(reader, { stage: 'dev', detectTargets: [], posture: true });
    const failed = doctor.checks.filter((c) => c.area === 'posture' && c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'posture.gateway-discovery-url-unsafe:gw-evil',
        'posture.gateway-waf-missing:gw-evil',
      ]),
    );
    const text = formatDoctorReport(doctor);
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text.split('\n').some((line) => line.startsWith('# Approved'))).toBe(false);
  });
});

describe('posture declarations and rotation registrations', () => {
  it.each([
    [{}, {}, true, []],
    [{ GATEWARDEN_POSTURE_PRODUCTION: 'false' }, {}, false, []],
    [{}, { nonProduction: true }, false, []],
    [
      { GATEWARDEN_POSTURE_INTERCEPTORS: ' arn:a , ,arn:b' },
      { allowedInterceptors: ['arn:b', 'arn:c'] },
      true,
      ['arn:a', 'arn:b', 'arn:c'],
    ],
  ])('env %j, flags %j → production %s, interceptors %j', (env, flags, production, list) => {
    expect(postureDeclarations(env, flags)).toEqual({ production, allowedInterceptors: list });
  });

  it('a provider counts as rotated through an EXTERNAL secret or a gatewarden secret named after it', () => {
    const provider = (name: string) =>
      `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/${name}`;
    const inventory: GatewayInventory = {
      gateways: [],
      credentialProviders: ['ext', 'managed', 'off', 'inbound'].map((name) => ({
        kind: 'apikey' as const,
        name,
        arn: provider(name),
      })),
      secrets: [
        {
          arn: 's1',
          name: 'x',
          rotationEnabled: true,
          gatewayIds: [],
          providerArns: [provider('ext')],
        },
        {
          arn: 's2',
          name: 'gatewarden/gw/apiKey/managed',
          rotationEnabled: true,
          gatewayIds: [],
          providerArns: [],
        },
        {
          arn: 's3',
          name: 'gatewarden/gw/apiKey/off',
          rotationEnabled: false,
          gatewayIds: [],
          providerArns: [],
        },
        {
          arn: 's4',
          name: 'gatewarden/gw/inboundClient/inbound',
          rotationEnabled: true,
          gatewayIds: [],
          providerArns: [],
        },
      ],
      configuredManagers: [],
      gaps: [],
    };
    expect([...rotatedProviders(inventory)].sort()).toEqual([provider('ext'), provider('managed')]);
  });
});
