/**
 * The tool report's live listing (`toolsListFromGateway`): `bedrock-agentcore:InvokeGateway`
 * lets a caller send any JSON-RPC method to a gateway, tools/call included (IAM has no key for
 * the method), so the report role holds it only when the stage opts in, only on the stage
 * account's gateways in its Region, and no other role holds it at all.
 */
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';
import { allStatements, asArray } from './policies.js';

let template: CfnTemplate;
beforeAll(async () => {
  template = (await packagedTemplate()).template;
}, 300_000);

const GATEWAYS =
  'arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:gateway/*';

describe('the report role invokes gateways only when the stage lists tools from them', () => {
  it('is off by default, a parameter of the stack', () => {
    expect(template.Parameters?.ToolsListFromGateway?.Default).toBe('false');
    expect(template.Conditions?.ListsToolsFromGateways).toEqual({
      'Fn::Equals': [{ Ref: 'ToolsListFromGateway' }, 'true'],
    });
  });

  it('grants InvokeGateway under that condition, on the account’s gateways of the Region', () => {
    const report = template.Resources.ReportRole?.Properties as {
      Policies: { PolicyDocument: { Statement: unknown[] } }[];
    };
    const entries = report.Policies.flatMap((p) => p.PolicyDocument.Statement).filter((e) =>
      JSON.stringify(e).includes('bedrock-agentcore:InvokeGateway'),
    );
    expect(entries).toEqual([
      {
        'Fn::If': [
          'ListsToolsFromGateways',
          {
            Sid: 'ListGatewayTools',
            Effect: 'Allow',
            Action: 'bedrock-agentcore:InvokeGateway',
            Resource: { 'Fn::Sub': GATEWAYS },
          },
          { Ref: 'AWS::NoValue' },
        ],
      },
    ]);
  });

  it('no other statement of any role or policy allows InvokeGateway', () => {
    const invoking = allStatements(template).filter(
      (s) =>
        s.statement.Effect === 'Allow' &&
        asArray(s.statement.Action).some((a) =>
          /^(bedrock-agentcore:(InvokeGateway|Invoke\*|\*)|\*)$/.test(String(a)),
        ),
    );
    expect(invoking.map((s) => s.statement.Sid)).toEqual(['ListGatewayTools']);
  });

  it('the function is told whether to list', () => {
    const report = template.Resources.ReportLambdaFunction?.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(report.Environment.Variables.GATEWARDEN_TOOLS_LIST_FROM_GATEWAY).toBe('false');
  });
});
