/**
 * The tool report's inventory, read live through the SDK: GetGateway (ARN, authorizer, the
 * attached policy engine and its mode), every target (ListGatewayTargets → GetGatewayTarget:
 * list items carry no tool schema) mapped to its tools by `targetInfo`, and the gateway's policy
 * engine (GetPolicyEngine, ListPolicies → GetPolicy: the Cedar statements); opt-in, the
 * gateway's own `tools/list` for targets whose tools only the gateway knows. Everything read
 * here is untrusted text: tool names and statements are only compared and evaluated, and a read
 * that fails is kept as an issue (the error's class, never its message) instead of a guess.
 */
import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
  GetPolicyCommand,
  GetPolicyEngineCommand,
  ListPoliciesCommand,
  type GetGatewayCommandOutput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { ScanIssue } from '../reports/usage.js';
import { errorClassOf } from '../shared/redact.js';
import { deployedEngineOf, type DeployedEngine } from '../tools/deployed.js';
import { ToolsError } from '../tools/errors.js';
import {
  applyListedTools,
  listingFailed,
  targetsToList,
  type BearerTokenSource,
  type GatewayEndpoint,
  type GatewayToolLister,
} from '../tools/gatewayListing.js';
import { gatewayIdOf, targetInfo, type GatewayTools, type TargetInfo } from '../tools/inventory.js';
import { s3SchemaRef, withInlineSchema } from '../tools/s3Schemas.js';
import { clientConfig } from './clients.js';
import { AgentCorePostureReader } from './gatewayPosture.js';
import { listerFor } from './gatewayToolLister.js';
import { S3ToolSchemaReader } from './toolSchemaObjects.js';

/** Bounds on what one engine may make us read (a looping or huge listing stops here). */
export const MAX_POLICY_PAGES = 50;
export const MAX_POLICIES = 1_000;

export interface ToolInventoryRead {
  gateways: GatewayTools[];
  /** Reads that failed: `input` names the operation and resource, `reason` the error class. */
  issues: ScanIssue[];
}

export class AgentCoreToolInventory {
  constructor(
    private readonly control: BedrockAgentCoreControlClient = new BedrockAgentCoreControlClient(
      clientConfig(),
    ),
    private readonly posture = new AgentCorePostureReader(control),
    /**
     * Opt-in: `tools/list` on each gateway whose targets' tools the control API cannot give
     * (MCP server targets), used only for those targets (lib/tools/gatewayListing.ts).
     */
    private readonly lister?: GatewayToolLister,
    /** Opt-in: tool schemas kept in S3, read with ExpectedBucketOwner (toolSchemaObjects.ts). */
    private readonly schemas?: S3ToolSchemaReader,
  ) {}

  /**
   * One gateway (id or ARN), or every gateway of the account and Region. A named gateway that
   * cannot be read is an error; a gateway's targets or policy engine that cannot be read is an
   * issue, and the gateway is still returned (its tools unknown, no deployed comparison).
   */
  async read(gateway?: string): Promise<ToolInventoryRead> {
    const issues: ScanIssue[] = [];
    const ids = gateway !== undefined ? [gatewayIdOf(gateway)] : await this.posture.gatewayIds();
    const gateways: GatewayTools[] = [];
    for (const id of ids) {
      let got: GetGatewayCommandOutput;
      try {
        got = await this.control.send(new GetGatewayCommand({ gatewayIdentifier: id }));
      } catch (error) {
        if (gateway !== undefined)
          throw new ToolsError(`cannot read gateway ${id}: GetGateway: ${errorClassOf(error)}`, {
            context: { gatewayId: id },
          });
        issues.push({ input: `GetGateway ${id}`, reason: errorClassOf(error) });
        continue;
      }
      gateways.push(await this.gatewayTools(id, got, issues));
    }
    return { gateways, issues };
  }

  private async gatewayTools(
    id: string,
    gateway: GetGatewayCommandOutput,
    issues: ScanIssue[],
  ): Promise<GatewayTools> {
    const gatewayArn = gateway.gatewayArn ?? '';
    const out: GatewayTools = { gatewayArn, gatewayId: gateway.gatewayId ?? id, targets: [] };
    if (gateway.authorizerType !== undefined) out.authorizerType = gateway.authorizerType;
    const read = await this.posture.targets(id);
    if ('error' in read) {
      issues.push({ input: `ListGatewayTargets/GetGatewayTarget ${id}`, reason: read.error });
      out.targets.push({
        targetId: '',
        name: '',
        tools: [],
        toolsUnknown: `targets not read (${read.error})`,
      });
    } else
      for (const target of read.targets)
        out.targets.push(await this.targetTools(target, gatewayArn));
    if (this.lister !== undefined && targetsToList(out).length > 0)
      issues.push(...(await this.listLive(out, gateway)));
    const config = gateway.policyEngineConfiguration;
    if (config?.arn !== undefined) {
      const deployed = await this.engine(config, issues);
      if (deployed !== undefined) out.deployed = deployed;
    }
    return out;
  }

  /** A target's tools; with the S3 reader, from its schema in S3 too. */
  private async targetTools(target: unknown, gatewayArn: string): Promise<TargetInfo> {
    const ref = this.schemas === undefined ? undefined : s3SchemaRef(target);
    if (ref === undefined || this.schemas === undefined) return targetInfo(target);
    const account =
      /^arn:[\w-]+:bedrock-agentcore:[a-z0-9-]*:(\d{12}):/.exec(gatewayArn)?.[1] ?? '';
    try {
      return targetInfo(withInlineSchema(target, ref, await this.schemas.read(ref, account)));
    } catch (error) {
      const info = targetInfo(target);
      info.toolsUnknown = `schema in S3 not read: ${error instanceof ToolsError ? error.message : errorClassOf(error)}`;
      return info;
    }
  }

  /** Tools from the gateway's own listing; a failure leaves the targets unknown, with why. */
  private async listLive(
    out: GatewayTools,
    gateway: GetGatewayCommandOutput,
  ): Promise<ScanIssue[]> {
    // An enforcing engine shows a caller only the tools it may call: a partial list would make
    // the tools it hides look absent, so it is not read at all.
    if (gateway.policyEngineConfiguration?.mode === 'ENFORCE')
      return [
        listingFailed(
          out,
          'the policy engine ENFORCEs: tools/list shows only the tools the caller may call',
        ),
      ];
    try {
      const listed = await (this.lister as GatewayToolLister).listTools({
        gatewayId: out.gatewayId,
        gatewayArn: out.gatewayArn,
        gatewayUrl: gateway.gatewayUrl ?? '',
        ...(gateway.authorizerType !== undefined ? { authorizerType: gateway.authorizerType } : {}),
        ...jwtAuthorizerOf(gateway),
      });
      return applyListedTools(out, listed);
    } catch (error) {
      return [
        listingFailed(out, error instanceof ToolsError ? error.message : errorClassOf(error)),
      ];
    }
  }

  /**
   * The attached engine and every policy's statement (ListPolicies pages, then GetPolicy for
   * each: a list may omit what a customer-managed key encrypts). Undefined when any read fails:
   * a partial policy set would make the comparison claim what is not deployed.
   */
  private async engine(
    config: NonNullable<GetGatewayCommandOutput['policyEngineConfiguration']>,
    issues: ScanIssue[],
  ): Promise<DeployedEngine | undefined> {
    const policyEngineId = (config.arn ?? '').split('/').pop() ?? '';
    let operation = 'GetPolicyEngine';
    try {
      await this.control.send(new GetPolicyEngineCommand({ policyEngineId }));
      operation = 'ListPolicies';
      const ids: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        if (++pages > MAX_POLICY_PAGES || ids.length >= MAX_POLICIES)
          throw new ToolsError('policy listing too long', { context: { policyEngineId } });
        const page = await this.control.send(
          new ListPoliciesCommand({ policyEngineId, maxResults: 100, nextToken }),
        );
        for (const p of page.policies ?? [])
          if (p.policyId && !ids.includes(p.policyId)) ids.push(p.policyId);
        nextToken = page.nextToken;
      } while (nextToken);
      operation = 'GetPolicy';
      const policies = [];
      for (const policyId of ids.slice(0, MAX_POLICIES))
        policies.push(await this.control.send(new GetPolicyCommand({ policyEngineId, policyId })));
      return deployedEngineOf({ policyEngineConfiguration: config, policies });
    } catch (error) {
      issues.push({
        input: `${operation} ${policyEngineId}`,
        reason: error instanceof ToolsError ? error.message : errorClassOf(error),
      });
      return undefined;
    }
  }
}

/** GetGateway's CUSTOM_JWT authorizer, as the listing's bearer token source needs it. */
function jwtAuthorizerOf(gateway: GetGatewayCommandOutput): Pick<GatewayEndpoint, 'jwtAuthorizer'> {
  const jwt = gateway.authorizerConfiguration?.customJWTAuthorizer;
  if (jwt?.discoveryUrl === undefined) return {};
  return {
    jwtAuthorizer: {
      discoveryUrl: jwt.discoveryUrl,
      ...(jwt.allowedScopes?.length ? { allowedScopes: jwt.allowedScopes } : {}),
      ...(jwt.allowedAudience?.length ? { allowedAudience: jwt.allowedAudience } : {}),
    },
  };
}

/**
 * The live inventory with the environment's credentials; with `listFromGateway`, also the
 * gateway's own `tools/list`, signed as the control client signs, and for CUSTOM_JWT gateways
 * with a token from `listingClient` (the CLI only: it reads that client's secret).
 */
export function liveToolInventory(
  options: {
    listFromGateway?: boolean;
    readS3Schemas?: boolean;
    listingClient?: BearerTokenSource;
  } = {},
): AgentCoreToolInventory {
  const control = new BedrockAgentCoreControlClient(clientConfig());
  return new AgentCoreToolInventory(
    control,
    undefined,
    options.listFromGateway === true ? listerFor(control, options.listingClient) : undefined,
    options.readS3Schemas === true ? new S3ToolSchemaReader() : undefined,
  );
}
