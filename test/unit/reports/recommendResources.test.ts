import type { UsedAction } from '../../../lib/reports/analyze.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import type { Grant } from '../../../lib/reports/granted.js';
import { recommendPolicy } from '../../../lib/reports/recommend.js';
import type { RecommendedPolicy } from '../../../lib/reports/reportTypes.js';

/**
 * Resources in recommended policies: an action with no resource type stays on "*"; an ARN of
 * another service is kept when the action supports that resource type; "*" and scoped ARNs
 * never share a statement (the redundant ARN goes, or a conditional grant keeps its own).
 */

const A = '111122223333';
const catalog = new IamDataCatalog();

const grant = (
  actions: string[],
  resources: string[],
  conditions?: Grant['conditions'],
): Grant => ({
  policy: 'inline:p',
  actionPatterns: actions,
  notAction: false,
  resources,
  notResource: false,
  actions,
  ...(conditions === undefined ? {} : { conditions }),
});

const used = (action: string, resources: string[], exact = true): [string, UsedAction] => [
  action,
  { action, count: 3, resources: new Set(resources), resourcesExact: exact },
];

async function recommend(
  grants: Grant[],
  uses: [string, UsedAction][],
): Promise<RecommendedPolicy | undefined> {
  const actions = uses.map(([a]) => a);
  const arnPatterns = new Map<string, string[]>();
  for (const a of actions) arnPatterns.set(a, (await catalog.resourcePatterns(a)) ?? []);
  return recommendPolicy({ usedGranted: actions, used: new Map(uses), grants, arnPatterns });
}

const statementOf = (p: RecommendedPolicy | undefined, action: string) =>
  p?.Statement.filter((s) => s.Action?.includes(action));

describe('resources in recommendations', () => {
  it('an action that supports no resource type stays on "*" even when a call named an ARN', async () => {
    const p = await recommend(
      [grant(['ssm:PutInventory'], ['*'])],
      [used('ssm:PutInventory', [`arn:aws:ssm:us-east-1:${A}:managed-instance/mi-0123`])],
    );
    expect(statementOf(p, 'ssm:PutInventory')).toEqual([
      { Effect: 'Allow', Action: ['ssm:PutInventory'], Resource: ['*'] },
    ]);
  });

  it('keeps an ARN of another service when the action supports that resource type', async () => {
    const instance = `arn:aws:ec2:us-east-1:${A}:instance/i-0abc`;
    const doc = `arn:aws:ssm:us-east-1:${A}:document/Run`;
    const p = await recommend(
      [grant(['ssm:SendCommand'], ['*'])],
      [used('ssm:SendCommand', [instance, doc, `arn:aws:iam::${A}:role/not-a-type-of-it`])],
    );
    expect(statementOf(p, 'ssm:SendCommand')).toEqual([
      { Effect: 'Allow', Action: ['ssm:SendCommand'], Resource: [doc, instance].sort() },
    ]);
  });

  it('never puts "*" and scoped ARNs in one statement: the redundant ARN goes', async () => {
    const provider = `arn:aws:bedrock-agentcore:us-east-1:${A}:token-vault/default/apikeycredentialprovider/crm`;
    const p = await recommend(
      [
        grant(['bedrock-agentcore:GetResourceApiKey'], ['*']),
        grant(['bedrock-agentcore:GetResourceApiKey'], [provider]),
      ],
      [used('bedrock-agentcore:GetResourceApiKey', [], false)],
    );
    expect(statementOf(p, 'bedrock-agentcore:GetResourceApiKey')).toEqual([
      { Effect: 'Allow', Action: ['bedrock-agentcore:GetResourceApiKey'], Resource: ['*'] },
    ]);
  });

  it('a conditional "*" beside an unconditional ARN: two statements, each as granted', async () => {
    const provider = `arn:aws:bedrock-agentcore:us-east-1:${A}:token-vault/default/apikeycredentialprovider/crm`;
    const condition = { StringEquals: { 'aws:ResourceTag/team': 'crm' } };
    const p = await recommend(
      [
        grant(['bedrock-agentcore:GetResourceApiKey'], ['*'], condition),
        grant(['bedrock-agentcore:GetResourceApiKey'], [provider]),
      ],
      [used('bedrock-agentcore:GetResourceApiKey', [], false)],
    );
    const statements = statementOf(p, 'bedrock-agentcore:GetResourceApiKey') ?? [];
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['bedrock-agentcore:GetResourceApiKey'],
      Resource: [provider],
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['bedrock-agentcore:GetResourceApiKey'],
      Resource: ['*'],
      Condition: condition,
    });
  });

  it('no statement of any recommendation mixes "*" with ARNs', async () => {
    const p = await recommend(
      [
        grant(['s3:GetObject', 's3:ListBucket'], ['*']),
        grant(['s3:GetObject'], ['arn:aws:s3:::b/*']),
      ],
      [used('s3:GetObject', [], false), used('s3:ListBucket', ['arn:aws:s3:::b'])],
    );
    for (const s of p?.Statement ?? [])
      if (s.Resource?.includes('*')) expect(s.Resource).toEqual(['*']);
  });
});
