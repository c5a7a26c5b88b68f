/**
 * The doctor's reads, through the AWS SDK: STS, IAM policy simulation, CloudTrail, EventBridge,
 * Secrets Manager (metadata only, never a value), the state table's bindings and AgentCore
 * credential providers. Read-only: nothing here changes the account.
 */
import {
  BedrockAgentCoreControlClient,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  type EventSelector,
} from '@aws-sdk/client-cloudtrail';
import {
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { paginateListSecrets, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { UnverifiableError } from '../doctor/errors.js';
import type {
  Decision,
  DoctorReader,
  EventPattern,
  PinnedProvider,
  ScheduleRules,
  ProviderState,
  RuleInfo,
  SecretInfo,
  TrailInfo,
} from '../doctor/ports.js';
import { ENV, TAGS } from '../shared/env.js';
import { bindingStoreFromEnv } from './bindingStore.js';
import { clientConfig } from './clients.js';
import { AgentCorePostureReader } from './gatewayPosture.js';
import type { GatewayPosture, TokenVaultPosture } from '../posture/types.js';

const notFound = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ResourceNotFoundException';

/** Why simulation gave no answer, in words (the error's class, never its message). */
function simulationFailure(error: unknown): string {
  const name = (error as { name?: string }).name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (/AccessDenied/.test(name)) return 'was refused to the caller (AccessDenied)';
  if (name === 'NoSuchEntity' || name === 'NoSuchEntityException')
    return 'found no such user or role (NoSuchEntity)';
  if (status === 501 || status === 500 || /NotImplemented|InternalFailure/.test(name))
    return `is not served by this endpoint (HTTP ${status ?? '?'})`;
  return `failed (${/^[A-Za-z][\w.]{0,63}$/.test(name) ? name : 'Error'})`;
}

export class AwsDoctorReader implements DoctorReader {
  private readonly config = clientConfig();

  /**
   * `stateTable`: where registration pinned its bindings; undefined = not verifiable.
   * `macKeys`: the keys the bindings are signed with (default: the environment's).
   */
  constructor(
    private readonly stateTable?: string,
    private readonly macKeys: { binding?: string; ledger?: string } = {},
  ) {}

  async caller(): Promise<{ arn: string; account: string }> {
    const out = await new STSClient(this.config).send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? 'unknown', account: out.Account ?? 'unknown' };
  }

  async simulate(
    principalArn: string,
    rights: readonly { action: string; resource: string }[],
  ): Promise<Map<string, Decision>> {
    const iam = new IAMClient(this.config);
    const byResource = new Map<string, string[]>();
    for (const { action, resource } of rights) {
      byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
    }
    const decisions = new Map<string, Decision>();
    for (const [resource, actions] of byResource) {
      let Marker: string | undefined;
      do {
        const out = await iam
          .send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: principalArn,
              ActionNames: actions,
              ResourceArns: [resource],
              ...(Marker ? { Marker } : {}),
            }),
          )
          .catch((error: unknown) => {
            throw new UnverifiableError(`iam:SimulatePrincipalPolicy ${simulationFailure(error)}`, {
              cause: error,
            });
          });
        for (const result of out.EvaluationResults ?? []) {
          if (result.EvalActionName)
            decisions.set(
              result.EvalActionName,
              result.EvalDecision === 'allowed' ? 'allowed' : 'denied',
            );
        }
        Marker = out.IsTruncated ? out.Marker : undefined;
      } while (Marker);
    }
    return decisions;
  }

  trails(): Promise<TrailInfo[]> {
    return readTrails(new CloudTrailClient(this.config));
  }

  async rules(prefix: string, region?: string, eventBusName = 'default'): Promise<RuleInfo[]> {
    const events = new EventBridgeClient(region ? { ...this.config, region } : this.config);
    const rules: RuleInfo[] = [];
    let NextToken: string | undefined;
    do {
      const page = await events.send(
        new ListRulesCommand({
          NamePrefix: prefix,
          EventBusName: eventBusName,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const rule of page.Rules ?? []) {
        const name = rule.Name ?? '';
        const { Targets = [] } = await events.send(
          new ListTargetsByRuleCommand({ Rule: name, EventBusName: eventBusName }),
        );
        rules.push({
          name,
          state: rule.State ?? 'UNKNOWN',
          eventBusName: rule.EventBusName ?? eventBusName,
          ...(rule.EventPattern ? { pattern: JSON.parse(rule.EventPattern) as EventPattern } : {}),
          targetArns: Targets.map((t) => t.Arn ?? '').filter(Boolean),
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return rules;
  }

  async ruleNamesTargeting(targetArn: string, region: string): Promise<string[]> {
    const events = new EventBridgeClient({ ...this.config, region });
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await events.send(
        new ListRuleNamesByTargetCommand({
          TargetArn: targetArn,
          EventBusName: 'default',
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      names.push(...(page.RuleNames ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  }

  async secrets(gatewayId?: string): Promise<SecretInfo[]> {
    const sm = new SecretsManagerClient(this.config);
    const filters = gatewayId
      ? [
          { Key: 'tag-key' as const, Values: [TAGS.gateway] },
          { Key: 'tag-value' as const, Values: [gatewayId] },
        ]
      : [{ Key: 'tag-key' as const, Values: [TAGS.kind] }];
    const secrets: SecretInfo[] = [];
    for await (const page of paginateListSecrets({ client: sm }, { Filters: filters })) {
      for (const secret of page.SecretList ?? []) {
        const tags = new Map((secret.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        const kind = tags.get(TAGS.kind);
        const gateway = tags.get(TAGS.gateway);
        if (!kind || (gatewayId && gateway !== gatewayId)) continue;
        const rules = secret.RotationRules;
        const schedule =
          rules?.ScheduleExpression ??
          (rules?.AutomaticallyAfterDays
            ? `every ${rules.AutomaticallyAfterDays} days`
            : undefined);
        secrets.push({
          arn: secret.ARN ?? '',
          name: secret.Name ?? secret.ARN ?? '',
          kind,
          ...(gateway ? { gatewayId: gateway } : {}),
          rotationEnabled: secret.RotationEnabled === true,
          ...(secret.RotationLambdaARN ? { rotationLambdaArn: secret.RotationLambdaARN } : {}),
          ...(schedule ? { schedule } : {}),
          ...(rules
            ? {
                rules: {
                  ...(rules.AutomaticallyAfterDays
                    ? { automaticallyAfterDays: rules.AutomaticallyAfterDays }
                    : {}),
                  ...(rules.ScheduleExpression
                    ? { scheduleExpression: rules.ScheduleExpression }
                    : {}),
                  ...(rules.Duration ? { duration: rules.Duration } : {}),
                },
              }
            : {}),
        });
      }
    }
    return secrets.sort((a, b) => a.name.localeCompare(b.name));
  }

  async gatewayPostures(gatewayId?: string): Promise<{
    gateways: GatewayPosture[];
    tokenVault?: TokenVaultPosture;
    rotatedSecrets?: string[];
  }> {
    const reader = new AgentCorePostureReader(new BedrockAgentCoreControlClient(this.config));
    const ids = gatewayId ? [gatewayId] : await reader.gatewayIds();
    const gateways: GatewayPosture[] = [];
    for (const id of ids) {
      try {
        gateways.push(await reader.gateway(id));
      } catch (error) {
        if (notFound(error) && gatewayId) continue;
        throw error;
      }
    }
    const { account } = await this.caller();
    const region = await new STSClient(this.config).config.region();
    const tokenVault = await reader.tokenVault(region, account).catch(() => undefined);
    const rotatedSecrets = await this.secrets(gatewayId)
      .then((all) => all.filter((s) => s.rotationEnabled).map((s) => s.name))
      .catch(() => undefined);
    return {
      gateways,
      ...(tokenVault ? { tokenVault } : {}),
      ...(rotatedSecrets ? { rotatedSecrets } : {}),
    };
  }

  async pinnedProvider(secretArn: string): Promise<PinnedProvider | null | undefined> {
    if (!this.stateTable)
      throw new UnverifiableError('the state table is unknown: set GATEWARDEN_STATE_TABLE');
    const binding = await this.bindings().binding(secretArn);
    if (!binding) return null;
    const provider = binding.steering.provider;
    return provider
      ? { type: provider.type, name: provider.name, secretSource: provider.secretSource }
      : undefined;
  }

  async registeredSchedule(secretArn: string): Promise<ScheduleRules | undefined> {
    if (!this.stateTable)
      throw new UnverifiableError('the state table is unknown: set GATEWARDEN_STATE_TABLE');
    return (await this.bindings().binding(secretArn))?.rotation;
  }

  /** The state table's bindings, checked with the stage's MAC keys. */
  private bindings() {
    return bindingStoreFromEnv({
      [ENV.stateTable]: this.stateTable,
      [ENV.bindingMacKey]: this.macKeys.binding ?? process.env[ENV.bindingMacKey],
      [ENV.ledgerMacKey]: this.macKeys.ledger ?? process.env[ENV.ledgerMacKey],
    });
  }

  async provider(type: 'apiKey' | 'oauth2', name: string): Promise<ProviderState | null> {
    const control = new BedrockAgentCoreControlClient(this.config);
    try {
      if (type === 'apiKey') {
        const out = await control.send(new GetApiKeyCredentialProviderCommand({ name }));
        return {
          name,
          secretSource: out.apiKeySecretSource === 'EXTERNAL' ? 'EXTERNAL' : 'MANAGED',
          ...(out.apiKeySecretArn?.secretArn ? { secretArn: out.apiKeySecretArn.secretArn } : {}),
          ...(out.apiKeySecretJsonKey ? { jsonKey: out.apiKeySecretJsonKey } : {}),
        };
      }
      const out = await control.send(new GetOauth2CredentialProviderCommand({ name }));
      return {
        name,
        secretSource: out.clientSecretSource === 'EXTERNAL' ? 'EXTERNAL' : 'MANAGED',
        ...(out.clientSecretArn?.secretArn ? { secretArn: out.clientSecretArn.secretArn } : {}),
        ...(out.clientSecretJsonKey ? { jsonKey: out.clientSecretJsonKey } : {}),
      };
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }
}

/**
 * The trails a CloudTrail client's account sees in its region (shadow trails included: the
 * multi-region and organization trails of other home regions and of the management account),
 * each with its status and event selectors. Shared by the stage's own check and `doctor --org`.
 * With `ownAccount`, only that account's trails are read: a member's read role reads its own
 * trails' status and selectors, while the organization trail (the management account's) is
 * judged from the central account and only named here (`unread`).
 */
export async function readTrails(
  cloudtrail: CloudTrailClient,
  ownAccount?: string,
): Promise<TrailInfo[]> {
  const { trailList = [] } = await cloudtrail.send(
    new DescribeTrailsCommand({ includeShadowTrails: true }),
  );
  const trails: TrailInfo[] = [];
  for (const trail of trailList) {
    const arn = trail.TrailARN ?? trail.Name ?? '';
    if (ownAccount !== undefined && arn.split(':')[4] !== ownAccount) {
      // The organization trail's shadow: named, its status and selectors left to the central read.
      if (trail.IsOrganizationTrail === true)
        trails.push({
          name: trail.Name ?? arn,
          arn,
          multiRegion: trail.IsMultiRegionTrail === true,
          organization: true,
          logging: false,
          unread: true,
          dataEventTypes: [],
        });
      continue;
    }
    const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: arn }));
    const selectors = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: arn }));
    trails.push({
      name: trail.Name ?? arn,
      arn,
      ...(trail.HomeRegion ? { homeRegion: trail.HomeRegion } : {}),
      multiRegion: trail.IsMultiRegionTrail === true,
      organization: trail.IsOrganizationTrail === true,
      globalServiceEvents: trail.IncludeGlobalServiceEvents === true,
      logging: status.IsLogging === true,
      ...(status.LatestDeliveryError ? { deliveryError: status.LatestDeliveryError } : {}),
      ...(status.LatestDeliveryTime instanceof Date &&
      !Number.isNaN(status.LatestDeliveryTime.getTime())
        ? { latestDeliveryAt: status.LatestDeliveryTime.toISOString() }
        : {}),
      ...managementOf(selectors.EventSelectors, selectors.AdvancedEventSelectors),
      ...excludedSourcesOf(selectors.EventSelectors),
      ...(sourcesFiltered(selectors.AdvancedEventSelectors)
        ? { managementSourcesFiltered: true }
        : {}),
      dataEventTypes: dataTypesOf(selectors.EventSelectors, selectors.AdvancedEventSelectors),
    });
  }
  return trails;
}

/** Which management events the selectors log (basic or advanced), if any. */
export function managementOf(
  basic: readonly EventSelector[] = [],
  advanced: readonly AdvancedEventSelector[] = [],
): { managementEvents?: TrailInfo['managementEvents'] } {
  const kinds = new Set<string>();
  for (const selector of basic) {
    if (selector.IncludeManagementEvents !== false) kinds.add(selector.ReadWriteType ?? 'All');
  }
  for (const selector of advanced) {
    const fields = selector.FieldSelectors ?? [];
    if (!fields.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')))
      continue;
    const readOnly = fields.filter((f) => f.Field === 'readOnly');
    const reads = readOnly.every((f) => admits(f, 'true'));
    const writes = readOnly.every((f) => admits(f, 'false'));
    if (reads && writes) kinds.add('All');
    else if (reads) kinds.add('ReadOnly');
    else if (writes) kinds.add('WriteOnly');
  }
  return kindOf(kinds);
}

function kindOf(kinds: ReadonlySet<string>): { managementEvents?: TrailInfo['managementEvents'] } {
  if (kinds.has('All') || (kinds.has('ReadOnly') && kinds.has('WriteOnly')))
    return { managementEvents: 'All' };
  const [only] = [...kinds] as Array<'ReadOnly' | 'WriteOnly'>;
  return only ? { managementEvents: only } : {};
}

/**
 * Whether an advanced field selector admits a value: its operators are ANDed; within Equals,
 * StartsWith and EndsWith one value must match, within the Not operators none may.
 */
export function admits(field: AdvancedFieldSelector, value: string): boolean {
  const some = (values: readonly string[] | undefined, match: (v: string) => boolean) =>
    values === undefined || values.some(match);
  const none = (values: readonly string[] | undefined, match: (v: string) => boolean) =>
    values === undefined || !values.some(match);
  return (
    some(field.Equals, (v) => value === v) &&
    none(field.NotEquals, (v) => value === v) &&
    some(field.StartsWith, (v) => value.startsWith(v)) &&
    none(field.NotStartsWith, (v) => value.startsWith(v)) &&
    some(field.EndsWith, (v) => value.endsWith(v)) &&
    none(field.NotEndsWith, (v) => value.endsWith(v))
  );
}

/**
 * Event sources whose management events the basic selectors leave out: excluded by one selector
 * (`ExcludeManagementEventSources`) and not logged, reads and writes, by the others.
 */
export function excludedSourcesOf(basic: readonly EventSelector[] = []): {
  excludedManagementSources?: string[];
} {
  const management = basic.filter((s) => s.IncludeManagementEvents !== false);
  const candidates = new Set(management.flatMap((s) => s.ExcludeManagementEventSources ?? []));
  const excluded = [...candidates].filter((source) => {
    const kinds = new Set(
      management
        .filter((s) => !(s.ExcludeManagementEventSources ?? []).includes(source))
        .map((s) => s.ReadWriteType ?? 'All'),
    );
    return kindOf(kinds).managementEvents !== 'All';
  });
  return excluded.length > 0 ? { excludedManagementSources: excluded.sort() } : {};
}

/** Whether an advanced management selector keeps only some event sources (or drops some). */
export function sourcesFiltered(advanced: readonly AdvancedEventSelector[] = []): boolean {
  return advanced.some((selector) => {
    const fields = selector.FieldSelectors ?? [];
    return (
      fields.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')) &&
      fields.some((f) => f.Field === 'eventSource')
    );
  });
}

/** Resource types of the data events the selectors log. */
export function dataTypesOf(
  basic: readonly EventSelector[] = [],
  advanced: readonly AdvancedEventSelector[] = [],
): string[] {
  const types = new Set<string>();
  for (const selector of basic) {
    for (const resource of selector.DataResources ?? [])
      if (resource.Type) types.add(resource.Type);
  }
  for (const selector of advanced) {
    const fields = new Map((selector.FieldSelectors ?? []).map((f) => [f.Field ?? '', f]));
    if (!fields.get('eventCategory')?.Equals?.includes('Data')) continue;
    for (const type of fields.get('resources.type')?.Equals ?? []) types.add(type);
  }
  return [...types].sort();
}
