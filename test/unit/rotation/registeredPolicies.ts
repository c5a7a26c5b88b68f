/**
 * The secret resource policies `gatewarden register` writes, produced by the real
 * `registerCredential` with in-memory ports: an API key behind an EXTERNAL provider (the
 * default) and the same behind a MANAGED one. Tests evaluate these exact documents.
 */
import { MemoryBindingStore } from '../../../lib/rotation/memoryBindings.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { registerCredential } from '../../../lib/rotation/register.js';
import type {
  AgentCoreReader,
  GatewayInfo,
  ProviderInfo,
} from '../../../lib/rotation/registerPorts.js';

export const ACCOUNT = '123456789012';
export const PROVIDER_ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/weather`;
export const GATEWAY_ROLE = `arn:aws:iam::${ACCOUNT}:role/service/gateway-execution`;
export const ROTATOR = `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotate`;
export const SWEEPER = `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotateNow`;
export const ADMIN = `arn:aws:iam::${ACCOUNT}:role/gatewarden-admin`;
export const ROTATE_FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gatewarden-prod-rotate`;

/** One gateway with one API-key target using provider `weather`. */
class OneGateway implements AgentCoreReader {
  constructor(private readonly managedSecretArn: string) {}

  async provider(): Promise<ProviderInfo> {
    return {
      type: 'apiKey',
      name: 'weather',
      arn: PROVIDER_ARN,
      secretArn: this.managedSecretArn,
      jsonKey: 'api_key',
      secretSource: 'MANAGED',
    };
  }
  async gateway(): Promise<GatewayInfo> {
    return {
      gatewayId: 'gw-1',
      arn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-1`,
      roleArn: GATEWAY_ROLE,
      authorizerType: 'AWS_IAM',
    };
  }
  async targetsUsing() {
    return [
      {
        gatewayId: 'gw-1',
        targetId: 't-1',
        providerArn: PROVIDER_ARN,
        parameterName: 'x-api-key',
        location: 'HEADER' as const,
      },
    ];
  }
}

/** The policy document `register` puts on the secret of provider `weather`. */
export async function registeredPolicy(source: 'EXTERNAL' | 'MANAGED'): Promise<unknown> {
  const control = new MemoryRotationControl();
  // The provider's current key, where registration reads it (the MANAGED secret).
  const managed = control.add(
    'bedrock-agentcore-identity!default/apikey/weather',
    '{"api_key":"current-key"}',
  );
  const result = await registerCredential(
    {
      control,
      agentcore: new OneGateway(managed.arn),
      bindings: new MemoryBindingStore(),
      providers: { useExternalSecret: async () => undefined },
    },
    {
      kind: 'apiKey',
      providerName: 'weather',
      issuer: { type: 'generated' },
      test: { probe: { url: 'https://api.example.com/ping' } },
      schedule: 'rate(30 days)',
      graceSeconds: 3600,
      rotationLambdaArn: ROTATE_FN,
      rotatorRoleArn: ROTATOR,
      sweeperRoleArn: SWEEPER,
      adminRoleArn: ADMIN,
      resourcePolicy: true,
      providerSource: source,
    },
  );
  return JSON.parse(control.get(result.secretArn).policy ?? 'null') as unknown;
}
