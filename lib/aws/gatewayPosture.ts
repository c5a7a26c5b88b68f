import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  GetPolicyEngineCommand,
  GetResourcePolicyCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  ListGatewaysCommand,
  ListGatewayTargetsCommand,
  ListPoliciesCommand,
  type GetGatewayCommandOutput,
  type GetGatewayTargetCommandOutput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type {
  GatewayPosture,
  InterceptorPosture,
  PolicyEnginePosture,
  TargetEndpoint,
  TargetPosture,
  TokenVaultPosture,
} from '../posture/types.js';
import { errorClassOf } from '../shared/redact.js';
import { clientConfig } from './clients.js';

const notFound = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ResourceNotFoundException';

/** A gateway's targets as GetGatewayTarget answers them, or why they could not be read. */
export type TargetsRead = { targets: GetGatewayTargetCommandOutput[] } | { error: string };

/**
 * Reads what posture checks need of a gateway through the SDK: GetGateway, every target
 * (ListGatewayTargets pages, then GetGatewayTarget: list items carry no configuration), the
 * gateway's resource policy, its policy engine and that engine's policies, its workload
 * identity (OAuth return URLs); and the token vault. What a read refuses is kept in the posture's `gaps` (the error's class, never its
 * message), so a check says "not read" instead of passing.
 */
export class AgentCorePostureReader {
  constructor(
    private readonly control: BedrockAgentCoreControlClient = new BedrockAgentCoreControlClient(
      clientConfig(),
    ),
  ) {}

  /** Every gateway id (ListGateways, all pages). */
  async gatewayIds(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.control.send(new ListGatewaysCommand({ maxResults: 100, nextToken }));
      for (const item of page.items ?? []) if (item.gatewayId) ids.push(item.gatewayId);
      nextToken = page.nextToken;
    } while (nextToken);
    return ids;
  }

  /** One gateway from scratch; throws when GetGateway itself is refused or not found. */
  async gateway(gatewayId: string): Promise<GatewayPosture> {
    const gateway = await this.control.send(
      new GetGatewayCommand({ gatewayIdentifier: gatewayId }),
    );
    return this.complete(gateway, await this.targets(gatewayId));
  }

  /** Every target of a gateway, paged, each read in full. */
  async targets(gatewayId: string): Promise<TargetsRead> {
    try {
      const targets: GetGatewayTargetCommandOutput[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.control.send(
          new ListGatewayTargetsCommand({
            gatewayIdentifier: gatewayId,
            maxResults: 100,
            nextToken,
          }),
        );
        for (const item of page.items ?? []) {
          if (!item.targetId) continue;
          targets.push(
            await this.control.send(
              new GetGatewayTargetCommand({
                gatewayIdentifier: gatewayId,
                targetId: item.targetId,
              }),
            ),
          );
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return { targets };
    } catch (error) {
      return { error: errorClassOf(error) };
    }
  }

  /** The posture of a gateway already read (the report's inventory reads it once). */
  async complete(gateway: GetGatewayCommandOutput, targets: TargetsRead): Promise<GatewayPosture> {
    const posture = postureOf(gateway, 'targets' in targets ? targets.targets : []);
    if ('error' in targets) posture.gaps.targets = targets.error;
    try {
      const policy = await this.control.send(
        new GetResourcePolicyCommand({ resourceArn: posture.gatewayArn }),
      );
      posture.resourcePolicy = policy.policy ? policy.policy : null;
    } catch (error) {
      if (notFound(error)) posture.resourcePolicy = null;
      else posture.gaps.resourcePolicy = errorClassOf(error);
    }
    if (posture.policyEngine) await this.readEngine(posture.policyEngine, posture);
    const identityArn = gateway.workloadIdentityDetails?.workloadIdentityArn;
    if (identityArn) {
      try {
        const identity = await this.control.send(
          new GetWorkloadIdentityCommand({ name: identityArn.split('/').pop() ?? '' }),
        );
        posture.workloadIdentity = {
          arn: identity.workloadIdentityArn ?? identityArn,
          returnUrls: identity.allowedResourceOauth2ReturnUrls ?? [],
        };
      } catch (error) {
        if (notFound(error)) posture.workloadIdentity = null;
        else posture.gaps.workloadIdentity = errorClassOf(error);
      }
    } else posture.workloadIdentity = null;
    return posture;
  }

  private async readEngine(engine: PolicyEnginePosture, posture: GatewayPosture): Promise<void> {
    const policyEngineId = engine.arn.split('/').pop() ?? '';
    try {
      const got = await this.control.send(new GetPolicyEngineCommand({ policyEngineId }));
      engine.engine = {
        ...(got.status === undefined ? {} : { status: got.status }),
        ...(got.encryptionKeyArn === undefined ? {} : { encryptionKeyArn: got.encryptionKeyArn }),
      };
      engine.policies = [];
      let nextToken: string | undefined;
      do {
        const page = await this.control.send(
          new ListPoliciesCommand({ policyEngineId, maxResults: 100, nextToken }),
        );
        for (const p of page.policies ?? []) {
          if (!p.policyId) continue;
          engine.policies.push({
            policyId: p.policyId,
            ...(p.name === undefined ? {} : { name: p.name }),
            ...(p.status === undefined ? {} : { status: p.status }),
            ...(p.enforcementMode === undefined ? {} : { enforcementMode: p.enforcementMode }),
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (notFound(error)) engine.engine = null;
      else posture.gaps.policyEngine = errorClassOf(error);
    }
  }

  /** The token vault (`default`) and its key; undefined when it cannot be read. */
  async tokenVault(region: string, accountId: string): Promise<TokenVaultPosture> {
    const vault = await this.control.send(new GetTokenVaultCommand({ tokenVaultId: 'default' }));
    const id = vault.tokenVaultId ?? 'default';
    return {
      tokenVaultId: id,
      arn: `arn:aws:bedrock-agentcore:${region}:${accountId}:token-vault/${id}`,
      ...(vault.kmsConfiguration?.keyType === undefined
        ? {}
        : { keyType: vault.kmsConfiguration.keyType }),
      ...(vault.kmsConfiguration?.kmsKeyArn === undefined
        ? {}
        : { kmsKeyArn: vault.kmsConfiguration.kmsKeyArn }),
    };
  }
}

/** Maps GetGateway and GetGatewayTarget answers to what the posture checks read. */
export function postureOf(
  gateway: Omit<GetGatewayCommandOutput, '$metadata'>,
  targets: Omit<GetGatewayTargetCommandOutput, '$metadata'>[],
): GatewayPosture {
  const jwt = gateway.authorizerConfiguration?.customJWTAuthorizer;
  const interceptors: InterceptorPosture[] = (gateway.interceptorConfigurations ?? []).map((i) => ({
    ...(i.interceptor?.lambda?.arn === undefined ? {} : { lambdaArn: i.interceptor.lambda.arn }),
    interceptionPoints: i.interceptionPoints ?? [],
    passRequestHeaders: i.inputConfiguration?.passRequestHeaders === true,
  }));
  const transform = gateway.customTransformConfiguration;
  const transformArn =
    transform && 'lambda' in transform
      ? (transform.lambda as { arn?: string } | undefined)?.arn
      : undefined;
  if (transformArn !== undefined)
    interceptors.push({
      lambdaArn: transformArn,
      interceptionPoints: ['TRANSFORM'],
      passRequestHeaders: false,
    });
  const posture: GatewayPosture = {
    gatewayId: gateway.gatewayId ?? '',
    gatewayArn: gateway.gatewayArn ?? '',
    interceptors,
    targets: targets.map(targetPosture),
    gaps: {},
  };
  if (gateway.name !== undefined) posture.name = gateway.name;
  if (gateway.authorizerType !== undefined) posture.authorizerType = gateway.authorizerType;
  if (jwt !== undefined)
    posture.jwt = {
      ...(jwt.discoveryUrl === undefined ? {} : { discoveryUrl: jwt.discoveryUrl }),
      allowedClients: jwt.allowedClients ?? [],
      allowedAudience: jwt.allowedAudience ?? [],
      allowedScopes: jwt.allowedScopes ?? [],
    };
  if (gateway.webAclArn) posture.webAclArn = gateway.webAclArn;
  if (gateway.wafConfiguration?.failureMode)
    posture.wafFailureMode = gateway.wafConfiguration.failureMode;
  if (gateway.exceptionLevel) posture.exceptionLevel = gateway.exceptionLevel;
  if (gateway.kmsKeyArn) posture.kmsKeyArn = gateway.kmsKeyArn;
  const engine = gateway.policyEngineConfiguration;
  if (engine?.arn)
    posture.policyEngine = { arn: engine.arn, ...(engine.mode ? { mode: engine.mode } : {}) };
  return posture;
}

function targetPosture(target: Omit<GetGatewayTargetCommandOutput, '$metadata'>): TargetPosture {
  const config = target.targetConfiguration;
  const endpoints: TargetEndpoint[] = [];
  const mcp = config && 'mcp' in config ? config.mcp : undefined;
  if (mcp && 'mcpServer' in mcp && mcp.mcpServer?.endpoint)
    endpoints.push({ field: 'mcpServer endpoint', url: mcp.mcpServer.endpoint });
  if (mcp && 'openApiSchema' in mcp && mcp.openApiSchema && 'inlinePayload' in mcp.openApiSchema)
    for (const url of openApiServers(mcp.openApiSchema.inlinePayload ?? ''))
      endpoints.push({ field: 'OpenAPI server', url });
  const http = config && 'http' in config ? config.http : undefined;
  if (http && 'passthrough' in http && http.passthrough?.endpoint)
    endpoints.push({ field: 'passthrough endpoint', url: http.passthrough.endpoint });
  const inference = config && 'inference' in config ? config.inference : undefined;
  const provider = inference?.provider as { endpoint?: string } | undefined;
  if (provider?.endpoint) endpoints.push({ field: 'inference endpoint', url: provider.endpoint });
  const providerArns = (target.credentialProviderConfigurations ?? []).flatMap((c) => {
    const arn =
      c.credentialProvider?.apiKeyCredentialProvider?.providerArn ??
      c.credentialProvider?.oauthCredentialProvider?.providerArn;
    return arn ? [arn] : [];
  });
  return {
    targetId: target.targetId ?? '',
    ...(target.name === undefined ? {} : { name: target.name }),
    endpoints,
    providerArns,
  };
}

/**
 * The `servers[].url` of an inline OpenAPI document: JSON parsed; YAML read line by line for
 * `url:` entries (no YAML parser here; a server URL is one scalar on its line).
 */
export function openApiServers(payload: string): string[] {
  try {
    const doc = JSON.parse(payload) as { servers?: { url?: unknown }[] };
    return (Array.isArray(doc.servers) ? doc.servers : [])
      .map((s) => s?.url)
      .filter((u): u is string => typeof u === 'string');
  } catch {
    return [...payload.matchAll(/^\s*-?\s*url:\s*['"]?([^\s'"#]+)/gm)].flatMap((m) =>
      m[1] ? [m[1]] : [],
    );
  }
}
