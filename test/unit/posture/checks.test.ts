import { assessGateway, assessTokenVault, POSTURE_CHECKS } from '../../../lib/posture/index.js';
import type { GatewayPosture, PostureContext } from '../../../lib/posture/types.js';

const ACCOUNT = '111122223333';
const ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-1`;
const ENGINE = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:policy-engine/eng-abcdefghij`;
const INTERCEPTOR = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:audit`;
const FOREIGN = 'arn:aws:lambda:us-east-1:999988887777:function:audit';
const PROVIDER = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/crm`;

/** A gateway configured as the seed and AWS recommend: no check has anything to say. */
function recommended(): GatewayPosture {
  return {
    gatewayId: 'gw-1',
    gatewayArn: ARN,
    name: 'orders',
    authorizerType: 'CUSTOM_JWT',
    jwt: {
      discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
      allowedClients: ['orders-agent'],
      allowedAudience: [],
      allowedScopes: [],
    },
    webAclArn: `arn:aws:wafv2:us-east-1:${ACCOUNT}:regional/webacl/gw/abc`,
    wafFailureMode: 'FAIL_CLOSE',
    policyEngine: {
      arn: ENGINE,
      mode: 'ENFORCE',
      engine: { status: 'ACTIVE' },
      policies: [{ policyId: 'p-abcdefghij', name: 'orders', enforcementMode: 'ACTIVE' }],
    },
    interceptors: [
      { lambdaArn: INTERCEPTOR, interceptionPoints: ['REQUEST'], passRequestHeaders: false },
    ],
    kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
    resourcePolicy: null,
    targets: [
      {
        targetId: 't1',
        name: 'crm',
        endpoints: [{ field: 'mcpServer endpoint', url: 'https://crm.example.com/mcp' }],
        providerArns: [PROVIDER],
      },
    ],
    workloadIdentity: {
      arn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:workload-identity-directory/default/workload-identity/gw-1`,
      returnUrls: ['https://app.example.com/oauth/callback'],
    },
    gaps: {},
  };
}

const context = (over: Partial<PostureContext> = {}): PostureContext => ({
  accountId: ACCOUNT,
  production: true,
  declaredInterceptors: [],
  rotatedProviders: new Set([PROVIDER]),
  ...over,
});

const ids = (g: GatewayPosture, c = context()) =>
  assessGateway(g, c).findings.map((f) => f.checkId);
const statusOf = (g: GatewayPosture, checkId: string, c = context()) =>
  assessGateway(g, c).checks.find((x) => x.checkId === checkId)?.status;

describe('gateway posture checks', () => {
  it('says nothing about a gateway configured as recommended, and passes every check', () => {
    const result = assessGateway(recommended(), context());
    expect(result.findings).toEqual([]);
    expect(result.checks.map((c) => c.status)).toEqual(POSTURE_CHECKS.map(() => 'pass'));
  });

  it('gives every finding an id, a severity, the gateway and a remediation line', () => {
    const weak: GatewayPosture = { ...recommended(), authorizerType: 'NONE', kmsKeyArn: undefined };
    for (const f of assessGateway(weak, context()).findings) {
      expect(f.resources[0]).toBe(ARN);
      expect(f.remediation.length).toBeGreaterThan(10);
      expect(POSTURE_CHECKS.map((c) => c.id)).toContain(f.checkId);
    }
  });

  it.each([
    ['no clients, no audience', [], [], true],
    ['blank entries only', ['', ' '], [], true],
    ['a wildcard client', ['*'], [], true],
    ['a wildcard inside an audience', [], ['api-*'], true],
    ['a wildcard beside a real client', ['orders-agent', '*'], [], true],
    ['audience only', [], ['orders-api'], false],
    ['clients only', ['orders-agent'], [], false],
  ])('JWT allowed clients/audience: %s', (_, allowedClients, allowedAudience, flagged) => {
    const g = recommended();
    g.jwt = {
      allowedScopes: [],
      discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
      allowedClients,
      allowedAudience,
    };
    expect(ids(g).includes('gateway-jwt-audience-open')).toBe(flagged);
  });

  it.each([
    ['http://idp.example.com/.well-known/openid-configuration', true],
    ['https://127.0.0.1/.well-known/openid-configuration', true],
    ['https://2130706433/.well-known/openid-configuration', true],
    ['https://0x7f.1/.well-known/openid-configuration', true],
    ['https://0177.0.0.1/.well-known/openid-configuration', true],
    ['https://169.254.169.254/latest/meta-data', true],
    ['https://10.1.2.3/', true],
    ['https://[::1]/', true],
    ['https://[fe80::1]/', true],
    ['https://[fd00:ec2::254]/', true],
    ['https://[::ffff:127.0.0.1]/', true],
    ['https://[::ffff:a9fe:a9fe]/', true],
    ['https://localhost./x', true],
    ['https://idp.localhost/x', true],
    ['https://metadata.google.internal/x', true],
    ['https://intranet/x', true],
    ['not a url', true],
    ['https://8.8.8.8/.well-known/openid-configuration', false],
    ['https://[2606:4700::1111]/x', false],
    ['https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/openid-configuration', false],
  ])('discovery URL %s → flagged %s', (url, flagged) => {
    const g = recommended();
    g.jwt = {
      allowedClients: ['orders-agent'],
      allowedAudience: [],
      allowedScopes: [],
      discoveryUrl: url,
    };
    expect(ids(g).includes('gateway-discovery-url-unsafe')).toBe(flagged);
  });

  it('a missing discovery URL on a CUSTOM_JWT gateway is a finding; other authorizers skip it', () => {
    const g = recommended();
    g.jwt = { allowedClients: ['a'], allowedAudience: [], allowedScopes: [] };
    expect(ids(g)).toContain('gateway-discovery-url-unsafe');
    expect(
      statusOf({ ...recommended(), authorizerType: 'AWS_IAM' }, 'gateway-discovery-url-unsafe'),
    ).toBe('skipped');
  });

  it('authorizer NONE is high; an unread type is skipped, not passed', () => {
    const found = assessGateway({ ...recommended(), authorizerType: 'NONE' }, context()).findings;
    expect(found.find((f) => f.checkId === 'gateway-authorizer-none')?.severity).toBe('high');
    expect(
      statusOf({ ...recommended(), authorizerType: undefined }, 'gateway-authorizer-none'),
    ).toBe('skipped');
  });

  it.each([
    ['no web ACL', { webAclArn: undefined }, ['gateway-waf-missing']],
    ['FAIL_OPEN', { wafFailureMode: 'FAIL_OPEN' }, ['gateway-waf-fail-open']],
    ['failure mode unset', { wafFailureMode: undefined }, ['gateway-waf-fail-open']],
  ])('WAF: %s', (_, change, expected) => {
    expect(ids({ ...recommended(), ...change })).toEqual(expected);
  });

  it('exceptionLevel DEBUG is a finding in production only', () => {
    const g = { ...recommended(), exceptionLevel: 'DEBUG' };
    expect(ids(g)).toEqual(['gateway-exception-debug']);
    expect(ids(g, context({ production: false }))).toEqual([]);
    expect(statusOf(g, 'gateway-exception-debug', context({ production: false }))).toBe('skipped');
  });

  it.each([
    ['no engine', { policyEngine: undefined }, 'gateway-policy-engine-missing', 'medium'],
    [
      'LOG_ONLY engine',
      { policyEngine: { arn: ENGINE, mode: 'LOG_ONLY', engine: {}, policies: [] } },
      'gateway-policy-engine-not-enforced',
      'high',
    ],
    [
      'engine deleted',
      { policyEngine: { arn: ENGINE, mode: 'ENFORCE', engine: null } },
      'gateway-policy-engine-not-enforced',
      'high',
    ],
    [
      'a policy in LOG_ONLY',
      {
        policyEngine: {
          arn: ENGINE,
          mode: 'ENFORCE',
          engine: {},
          policies: [{ policyId: 'p-1', name: 'forbid_refunds', enforcementMode: 'LOG_ONLY' }],
        },
      },
      'gateway-policy-engine-not-enforced',
      'medium',
    ],
  ])('policy engine: %s', (_, change, checkId, severity) => {
    const found = assessGateway({ ...recommended(), ...change }, context()).findings;
    expect(found.map((f) => [f.checkId, f.severity])).toEqual([[checkId, severity]]);
  });

  it('an engine whose read was refused is skipped, not passed', () => {
    const g: GatewayPosture = {
      ...recommended(),
      policyEngine: { arn: ENGINE, mode: 'ENFORCE' },
      gaps: { policyEngine: 'AccessDeniedException' },
    };
    expect(statusOf(g, 'gateway-policy-engine-not-enforced')).toBe('skipped');
  });

  it('interceptors: another account or request headers are high unless declared', () => {
    const g: GatewayPosture = {
      ...recommended(),
      interceptors: [
        { lambdaArn: FOREIGN, interceptionPoints: ['REQUEST'], passRequestHeaders: false },
        { lambdaArn: INTERCEPTOR, interceptionPoints: ['REQUEST'], passRequestHeaders: true },
      ],
    };
    const found = assessGateway(g, context()).findings;
    expect(found.map((f) => [f.checkId, f.resources[1]])).toEqual([
      ['gateway-interceptor-cross-account', FOREIGN],
      ['gateway-interceptor-headers', INTERCEPTOR],
    ]);
    expect(ids(g, context({ declaredInterceptors: [FOREIGN, INTERCEPTOR] }))).toEqual([]);
  });

  it('a custom transform Lambda in another account counts as an interceptor', () => {
    const g: GatewayPosture = {
      ...recommended(),
      interceptors: [
        { lambdaArn: FOREIGN, interceptionPoints: ['TRANSFORM'], passRequestHeaders: false },
      ],
    };
    expect(ids(g)).toEqual(['gateway-interceptor-cross-account']);
  });

  it('no customer-managed key is a low finding', () => {
    const found = assessGateway({ ...recommended(), kmsKeyArn: undefined }, context()).findings;
    expect(found.map((f) => [f.checkId, f.severity])).toEqual([['gateway-kms-service-key', 'low']]);
  });

  const policy = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  it.each([
    ['Principal *', { Effect: 'Allow', Principal: '*', Action: '*' }, true],
    [
      'Principal AWS *',
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'bedrock-agentcore:*' },
      true,
    ],
    [
      'NotPrincipal',
      { Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::1:root' }, Action: '*' },
      true,
    ],
    [
      'a wildcard account condition',
      {
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Condition: { StringLike: { 'aws:SourceAccount': '*' } },
      },
      true,
    ],
    [
      'an IfExists condition',
      {
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Condition: { StringEqualsIfExists: { 'aws:PrincipalAccount': ACCOUNT } },
      },
      true,
    ],
    [
      'ForAllValues (vacuous when absent)',
      {
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-1' } },
      },
      true,
    ],
    [
      'a negated condition',
      {
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': '1' } },
      },
      true,
    ],
    [
      'an organization condition',
      {
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
      },
      false,
    ],
    [
      'a named account',
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: '*' },
      false,
    ],
    ['a Deny to everyone', { Effect: 'Deny', Principal: '*', Action: '*' }, false],
  ])('resource policy: %s → public %s', (_, statement, flagged) => {
    const g = { ...recommended(), resourcePolicy: policy(statement) };
    const found = assessGateway(g, context()).findings.filter(
      (f) => f.checkId === 'gateway-resource-policy-public',
    );
    expect(found.length > 0).toBe(flagged);
    if (flagged) expect(found[0]?.severity).toBe('critical');
  });

  it('an unreadable resource policy is reported; an unread one is skipped', () => {
    expect(ids({ ...recommended(), resourcePolicy: '{not json' })).toEqual([
      'gateway-resource-policy-public',
    ]);
    const unread: GatewayPosture = {
      ...recommended(),
      resourcePolicy: undefined,
      gaps: { resourcePolicy: 'AccessDeniedException' },
    };
    expect(statusOf(unread, 'gateway-resource-policy-public')).toBe('skipped');
  });

  it.each([
    ['http MCP server', 'http://crm.example.com/mcp', true],
    ['http OpenAPI server on a private host', 'http://10.0.0.5/api', true],
    ['https on a private host (a VPC endpoint is legitimate)', 'https://10.0.0.5/api', false],
    ['https', 'https://crm.example.com/mcp', false],
  ])('target endpoint: %s', (_, url, flagged) => {
    const g = recommended();
    g.targets = [
      { targetId: 't1', providerArns: [PROVIDER], endpoints: [{ field: 'OpenAPI server', url }] },
    ];
    expect(ids(g).includes('gateway-target-endpoint-insecure')).toBe(flagged);
  });

  it('every target is checked, however many pages the list had', () => {
    const g = recommended();
    g.targets = Array.from({ length: 250 }, (_, i) => ({
      targetId: `t${i}`,
      endpoints: [
        {
          field: 'mcpServer endpoint',
          url: i === 249 ? 'http://late.example.com' : 'https://ok.example.com',
        },
      ],
      providerArns: [],
    }));
    const found = assessGateway(g, context()).findings;
    expect(found.map((f) => f.resources[1])).toEqual([`${ARN}/target/t249`]);
  });

  it.each([
    ['http', 'http://app.example.com/callback', true],
    ['loopback', 'https://127.0.0.1:8080/callback', true],
    ['a custom scheme with no host', 'myapp:callback', true],
    ['https', 'https://app.example.com/callback', false],
  ])('OAuth return URL %s → flagged %s', (_, url, flagged) => {
    const g = recommended();
    g.workloadIdentity = { arn: 'arn:wi', returnUrls: [url] };
    expect(ids(g).includes('gateway-oauth-return-url-unsafe')).toBe(flagged);
  });

  it('no workload identity passes the return-URL check; an unread one is skipped', () => {
    expect(
      statusOf({ ...recommended(), workloadIdentity: null }, 'gateway-oauth-return-url-unsafe'),
    ).toBe('pass');
    const unread: GatewayPosture = {
      ...recommended(),
      workloadIdentity: undefined,
      gaps: { workloadIdentity: 'AccessDeniedException' },
    };
    expect(statusOf(unread, 'gateway-oauth-return-url-unsafe')).toBe('skipped');
  });

  it('a provider not registered for rotation is flagged once per gateway; unknown registrations skip', () => {
    const other = PROVIDER.replace('/crm', '/billing');
    const g = recommended();
    g.targets = [
      { targetId: 'a', endpoints: [], providerArns: [other] },
      { targetId: 'b', endpoints: [], providerArns: [other, PROVIDER] },
    ];
    expect(assessGateway(g, context()).findings.map((f) => f.resources[1])).toEqual([other]);
    expect(
      statusOf(g, 'gateway-credential-not-rotated', context({ rotatedProviders: undefined })),
    ).toBe('skipped');
  });

  it('parts not read make their checks skipped, never passed (the type, read from the list, still counts)', () => {
    const g: GatewayPosture = {
      gatewayId: 'gw-1',
      gatewayArn: ARN,
      authorizerType: 'CUSTOM_JWT',
      interceptors: [],
      targets: [],
      gaps: {
        gateway: 'AccessDeniedException',
        targets: 'AccessDeniedException',
        resourcePolicy: 'x',
      },
    };
    const result = assessGateway(g, context());
    expect(result.findings).toEqual([]);
    expect(result.checks.filter((c) => c.status === 'pass').map((c) => c.checkId)).toEqual([
      'gateway-authorizer-none',
    ]);
  });

  it('token vault: a customer-managed key passes, the AWS-owned key is low', () => {
    const arn = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default`;
    expect(
      assessTokenVault({
        tokenVaultId: 'default',
        arn,
        keyType: 'CustomerManagedKey',
        kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/x',
      }),
    ).toEqual([]);
    expect(
      assessTokenVault({ tokenVaultId: 'default', arn, keyType: 'ServiceManagedKey' }).map((f) => [
        f.checkId,
        f.severity,
        f.resources,
      ]),
    ).toEqual([['token-vault-service-key', 'low', [arn]]]);
  });
});
