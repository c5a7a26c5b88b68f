import {
  BedrockAgentCoreControlClient,
  GetApiKeyCredentialProviderCommand,
  GetGatewayCommand,
  GetOauth2CredentialProviderCommand,
  ListApiKeyCredentialProvidersCommand,
  ListGatewaysCommand,
  ListOauth2CredentialProvidersCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  type DescribeSecretResponse,
  type SecretListEntry,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type {
  CredentialProviderInfo,
  GatewayInfo,
  GatewayInventory,
  InventorySource,
  SecretInfo,
  TrailInfo,
} from '../reports/inventory.js';
import { SECRET_PREFIX, TAGS } from '../shared/env.js';
import { parseCredentialSecret } from '../shared/secretNames.js';
import { clientConfig } from './clients.js';
import { AgentCorePostureReader } from './gatewayPosture.js';

/** The operation behind each part of a gateway's posture, for the inventory's gaps. */
const POSTURE_READS: Record<string, string> = {
  resourcePolicy: 'GetResourcePolicy',
  policyEngine: 'GetPolicyEngine',
  workloadIdentity: 'GetWorkloadIdentity',
  gateway: 'GetGateway',
};

export interface AgentCoreInventoryClients {
  agentcore: BedrockAgentCoreControlClient;
  secrets: SecretsManagerClient;
  cloudtrail: CloudTrailClient;
  sts: STSClient;
}

/**
 * Reads the gateway inventory through the SDK: ListGateways → GetGateway (list items carry no
 * role or authorizer), ListGatewayTargets → GetGatewayTarget (list items carry no credential
 * configuration), credential providers, the secrets behind them and gatewarden's own secrets
 * with their rotation status, and the trails. An operation that fails (permission missing,
 * not served) is recorded in `gaps` and the rest of the inventory is still read.
 */
export class AgentCoreInventorySource implements InventorySource {
  constructor(
    private readonly clients: AgentCoreInventoryClients = defaultClients(),
    private readonly configuredManagers: string[] = [],
    private readonly posture = new AgentCorePostureReader(clients.agentcore),
  ) {}

  async load(): Promise<GatewayInventory> {
    const gaps: string[] = [];
    const attempt = async <T>(
      operation: string,
      call: () => Promise<T>,
    ): Promise<T | undefined> => {
      try {
        return await call();
      } catch (error) {
        gaps.push(`${operation}: ${errorName(error)}`);
        return undefined;
      }
    };
    const accountId = (
      await attempt('sts:GetCallerIdentity', () =>
        this.clients.sts.send(new GetCallerIdentityCommand({})),
      )
    )?.Account;
    const region = await this.clients.agentcore.config.region();
    const arnPrefix = `arn:aws:bedrock-agentcore:${region}:${accountId ?? ''}:gateway/`;
    const gateways =
      (await attempt('ListGateways', () => this.gateways(attempt, arnPrefix, gaps))) ?? [];
    const providers = await this.providers(attempt);
    const secrets =
      (await attempt('ListSecrets', () => this.secrets(providers, gateways, attempt))) ?? [];
    const trails = await attempt('DescribeTrails', () => this.trails());
    const tokenVault = await attempt('GetTokenVault', () =>
      this.posture.tokenVault(region, accountId ?? ''),
    );
    const inventory: GatewayInventory = {
      region,
      gateways,
      credentialProviders: providers,
      secrets,
      configuredManagers: this.configuredManagers,
      gaps,
    };
    if (accountId !== undefined) inventory.accountId = accountId;
    if (trails !== undefined) inventory.trails = trails;
    if (tokenVault !== undefined) inventory.tokenVault = tokenVault;
    return inventory;
  }

  private async gateways(
    attempt: Attempt,
    arnPrefix: string,
    gaps: string[],
  ): Promise<GatewayInfo[]> {
    const out: GatewayInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.clients.agentcore.send(
        new ListGatewaysCommand({ maxResults: 100, nextToken }),
      );
      for (const item of page.items ?? []) {
        if (item.gatewayId === undefined) continue;
        const id = item.gatewayId;
        const gateway = await attempt(`GetGateway ${id}`, () =>
          this.clients.agentcore.send(new GetGatewayCommand({ gatewayIdentifier: id })),
        );
        const read = await this.posture.targets(id);
        if ('error' in read) gaps.push(`ListGatewayTargets ${id}: ${read.error}`);
        const info: GatewayInfo = {
          gatewayId: id,
          gatewayArn: gateway?.gatewayArn ?? '',
          targets: ('targets' in read ? read.targets : []).map((target) => ({
            targetId: target.targetId ?? '',
            ...(target.name === undefined ? {} : { name: target.name }),
            credentialProviders: (target.credentialProviderConfigurations ?? []).map((c) => {
              const arn =
                c.credentialProvider?.apiKeyCredentialProvider?.providerArn ??
                c.credentialProvider?.oauthCredentialProvider?.providerArn;
              return {
                type: c.credentialProviderType ?? 'UNKNOWN',
                ...(arn === undefined ? {} : { providerArn: arn }),
              };
            }),
          })),
        };
        const name = gateway?.name ?? item.name;
        if (name !== undefined) info.name = name;
        const status = gateway?.status ?? item.status;
        if (status !== undefined) info.status = status;
        const authorizerType = gateway?.authorizerType ?? item.authorizerType;
        if (authorizerType !== undefined) info.authorizerType = authorizerType;
        if (gateway?.roleArn !== undefined) info.roleArn = gateway.roleArn;
        const discoveryUrl = gateway?.authorizerConfiguration?.customJWTAuthorizer?.discoveryUrl;
        if (discoveryUrl !== undefined) info.discoveryUrl = discoveryUrl;
        // Without GetGateway the ARN is still derivable (the role is not: it stays unset).
        if (info.gatewayArn === '') info.gatewayArn = `${arnPrefix}${id}`;
        // Posture needs the whole configuration: without GetGateway it is not assessed.
        if (gateway !== undefined) info.posture = await this.posture.complete(gateway, read);
        for (const [part, reason] of Object.entries(info.posture?.gaps ?? {}))
          if (part !== 'targets') gaps.push(`${POSTURE_READS[part] ?? part} ${id}: ${reason}`);
        out.push(info);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  private async providers(attempt: Attempt): Promise<CredentialProviderInfo[]> {
    const out: CredentialProviderInfo[] = [];
    const apiKeys = await attempt('ListApiKeyCredentialProviders', async () => {
      const items = [];
      let nextToken: string | undefined;
      do {
        const page = await this.clients.agentcore.send(
          new ListApiKeyCredentialProvidersCommand({ nextToken }),
        );
        items.push(...(page.credentialProviders ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return items;
    });
    for (const item of apiKeys ?? []) {
      if (item.name === undefined) continue;
      const name = item.name;
      const details = await attempt(`GetApiKeyCredentialProvider ${name}`, () =>
        this.clients.agentcore.send(new GetApiKeyCredentialProviderCommand({ name })),
      );
      out.push(
        provider(
          'apikey',
          name,
          item.credentialProviderArn,
          details?.apiKeySecretArn?.secretArn,
          details?.apiKeySecretSource,
        ),
      );
    }
    const oauth = await attempt('ListOauth2CredentialProviders', async () => {
      const items = [];
      let nextToken: string | undefined;
      do {
        const page = await this.clients.agentcore.send(
          new ListOauth2CredentialProvidersCommand({ nextToken }),
        );
        items.push(...(page.credentialProviders ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return items;
    });
    for (const item of oauth ?? []) {
      if (item.name === undefined) continue;
      const name = item.name;
      const details = await attempt(`GetOauth2CredentialProvider ${name}`, () =>
        this.clients.agentcore.send(new GetOauth2CredentialProviderCommand({ name })),
      );
      out.push(
        provider(
          'oauth2',
          name,
          item.credentialProviderArn,
          details?.clientSecretArn?.secretArn,
          details?.clientSecretSource,
        ),
      );
    }
    return out;
  }

  /** gatewarden's secrets (by name prefix and by tag) plus every secret a provider references. */
  private async secrets(
    providers: CredentialProviderInfo[],
    gateways: GatewayInfo[],
    attempt: Attempt,
  ): Promise<SecretInfo[]> {
    const found = new Map<string, SecretListEntry | DescribeSecretResponse>();
    for (const filter of [
      { Key: 'name' as const, Values: [SECRET_PREFIX] },
      { Key: 'tag-key' as const, Values: [TAGS.gateway] },
    ]) {
      let nextToken: string | undefined;
      do {
        const page = await this.clients.secrets.send(
          new ListSecretsCommand({ Filters: [filter], NextToken: nextToken, MaxResults: 100 }),
        );
        for (const entry of page.SecretList ?? []) {
          // Under the prefix, only gateway credential secrets (not issuer admin credentials).
          const credential =
            filter.Key !== 'name' || parseCredentialSecret(entry.Name ?? '') !== undefined;
          if (entry.ARN !== undefined && credential) found.set(entry.ARN, entry);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    for (const p of providers) {
      if (p.secretArn === undefined || found.has(p.secretArn)) continue;
      const arn = p.secretArn;
      const described = await attempt(`DescribeSecret ${arn}`, () =>
        this.clients.secrets.send(new DescribeSecretCommand({ SecretId: arn })),
      );
      if (described !== undefined) found.set(arn, described);
    }
    const providerArnsBySecret = new Map<string, string[]>();
    for (const p of providers) {
      if (p.secretArn !== undefined)
        providerArnsBySecret.set(p.secretArn, [
          ...(providerArnsBySecret.get(p.secretArn) ?? []),
          p.arn,
        ]);
    }
    const gatewaysByProvider = new Map<string, string[]>();
    for (const g of gateways) {
      for (const t of g.targets) {
        for (const c of t.credentialProviders) {
          if (c.providerArn !== undefined)
            gatewaysByProvider.set(c.providerArn, [
              ...(gatewaysByProvider.get(c.providerArn) ?? []),
              g.gatewayId,
            ]);
        }
      }
    }
    return [...found.entries()].map(([arn, entry]) => {
      const providerArns = providerArnsBySecret.get(arn) ?? [];
      const tagged = entry.Tags?.find((t) => t.Key === TAGS.gateway)?.Value;
      const fromName = parseCredentialSecret(entry.Name ?? '')?.gatewayId;
      const gatewayIds = [
        ...new Set(
          [
            tagged,
            fromName,
            ...providerArns.flatMap((p) => gatewaysByProvider.get(p) ?? []),
          ].filter((g): g is string => !!g),
        ),
      ];
      const info: SecretInfo = {
        arn,
        name: entry.Name ?? arn,
        rotationEnabled: entry.RotationEnabled === true,
        gatewayIds,
        providerArns,
      };
      const days =
        entry.RotationRules?.AutomaticallyAfterDays ??
        daysOfSchedule(entry.RotationRules?.ScheduleExpression);
      if (days !== undefined) info.rotationDays = days;
      if (entry.LastRotatedDate !== undefined)
        info.lastRotated = entry.LastRotatedDate.toISOString();
      if (entry.NextRotationDate !== undefined)
        info.nextRotation = entry.NextRotationDate.toISOString();
      return info;
    });
  }

  private async trails(): Promise<TrailInfo[]> {
    const described = await this.clients.cloudtrail.send(
      new DescribeTrailsCommand({ includeShadowTrails: true }),
    );
    const out: TrailInfo[] = [];
    for (const trail of described.trailList ?? []) {
      const name = trail.TrailARN ?? trail.Name;
      if (name === undefined) continue;
      const status = await this.clients.cloudtrail.send(new GetTrailStatusCommand({ Name: name }));
      out.push({
        name: trail.Name ?? name,
        isLogging: status.IsLogging === true,
        multiRegion: trail.IsMultiRegionTrail === true,
        ...(trail.HomeRegion === undefined ? {} : { homeRegion: trail.HomeRegion }),
      });
    }
    return out;
  }
}

type Attempt = <T>(operation: string, call: () => Promise<T>) => Promise<T | undefined>;

function provider(
  kind: 'apikey' | 'oauth2',
  name: string,
  arn: string | undefined,
  secretArn: string | undefined,
  source: string | undefined,
): CredentialProviderInfo {
  const info: CredentialProviderInfo = { kind, name, arn: arn ?? name };
  if (secretArn !== undefined) info.secretArn = secretArn;
  if (source !== undefined) info.secretSource = source;
  return info;
}

/** `rate(30 days)` → 30; cron schedules have no fixed interval here. */
export function daysOfSchedule(expression: string | undefined): number | undefined {
  const match =
    expression === undefined
      ? null
      : /^rate\((\d+)\s+(day|days|hour|hours)\)$/.exec(expression.trim());
  if (match?.[1] === undefined) return undefined;
  const n = Number(match[1]);
  return match[2]?.startsWith('hour') ? n / 24 : n;
}

/** The error's name only: messages can quote request content. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function defaultClients(): AgentCoreInventoryClients {
  return {
    agentcore: new BedrockAgentCoreControlClient(clientConfig()),
    secrets: new SecretsManagerClient(clientConfig()),
    cloudtrail: new CloudTrailClient(clientConfig()),
    sts: new STSClient(clientConfig()),
  };
}
