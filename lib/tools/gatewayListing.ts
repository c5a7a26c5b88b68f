/**
 * Tools known only from the gateway itself: an opt-in `tools/list` on the gateway's MCP
 * endpoint, used as inventory for targets whose tools the control API cannot give (MCP server
 * targets synchronize their tools; GetGatewayTarget answers only configuration). The answer is
 * untrusted — an MCP server behind a target picks its tool names — so it only fills targets
 * the control API lists and whose tools are otherwise unknown, under the `<target>___<tool>`
 * names AgentCore gives them, within caps. It never adds a target, never replaces tools read
 * from a schema, and a failure leaves the targets unknown with the reason.
 */
import type { ScanIssue } from '../reports/usage.js';
import { ToolsError } from './errors.js';
import { mcpTools, TOOL_SEPARATOR, type GatewayTools, type TargetInfo } from './inventory.js';

/** What the listing needs of a gateway: read from GetGateway (the control plane, trusted). */
export interface GatewayEndpoint {
  gatewayId: string;
  gatewayArn: string;
  /** `gatewayUrl` of GetGateway, checked with {@link checkGatewayUrl} before any call. */
  gatewayUrl: string;
  authorizerType?: string;
  /** GetGateway's `customJWTAuthorizer` (CUSTOM_JWT gateways): where a bearer token comes from. */
  jwtAuthorizer?: {
    discoveryUrl: string;
    allowedScopes?: string[];
    allowedAudience?: string[];
  };
}

/** A bearer token for a CUSTOM_JWT gateway's MCP endpoint (never logged, never in an error). */
export interface BearerTokenSource {
  token(gateway: GatewayEndpoint): Promise<string>;
}

/** Lists the MCP tools a gateway serves (every page), or throws {@link ToolsError}. */
export interface GatewayToolLister {
  listTools(gateway: GatewayEndpoint): Promise<unknown[]>;
}

/** Bounds on what one gateway's answer may make us keep. */
export const MAX_LISTED_TOOLS = 5_000;
export const MAX_TOOLS_PER_TARGET = 1_000;
/** MCP tool names: 1–128 characters of letters, digits, `_`, `-` and `.`. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const PARTITION_DOMAINS: Record<string, string> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
};

/**
 * The gateway's MCP endpoint, refused unless it is an AgentCore gateway host of the gateway's
 * own id, Region and partition over HTTPS (no user info, no port): a URL from anywhere else
 * would receive a signed request or a bearer token meant for the gateway.
 */
export function checkGatewayUrl(
  gateway: Pick<GatewayEndpoint, 'gatewayArn' | 'gatewayId' | 'gatewayUrl'>,
): URL {
  const arn = /^arn:([\w-]+):bedrock-agentcore:([a-z0-9-]+):\d{12}:gateway\/([\w-]+)$/.exec(
    gateway.gatewayArn,
  );
  const domain = arn === null ? undefined : PARTITION_DOMAINS[arn[1] ?? ''];
  if (arn === null || domain === undefined)
    throw new ToolsError('gateway ARN is not an AgentCore gateway ARN of a known partition');
  let url: URL;
  try {
    url = new URL(gateway.gatewayUrl);
  } catch {
    throw new ToolsError('gatewayUrl is not a URL');
  }
  const host = `${(arn[3] ?? '').toLowerCase()}.gateway.bedrock-agentcore.${arn[2]}.${domain}`;
  if (
    url.protocol !== 'https:' ||
    url.hostname !== host ||
    url.port !== '' ||
    url.username !== '' ||
    url.password !== ''
  )
    throw new ToolsError(
      `gatewayUrl is not the AgentCore gateway host of ${gateway.gatewayId} (https://${host})`,
    );
  return url;
}

/** The targets whose tools only a live listing can tell (named, tools otherwise unknown). */
export function targetsToList(gateway: GatewayTools): TargetInfo[] {
  return gateway.targets.filter((t) => t.toolsUnknown !== undefined && t.name !== '');
}

/**
 * Fills the targets of {@link targetsToList} from a `tools/list` answer. A name must be
 * `<target>___<tool>` of a target the control API lists, else it is refused and counted (a
 * forged or unknown target); names of targets whose schema gives their tools are passed over
 * (the schema is what the gateway serves). A target the answer names no tool of stays unknown.
 */
export function applyListedTools(gateway: GatewayTools, listed: readonly unknown[]): ScanIssue[] {
  const input = `tools/list ${gateway.gatewayId}`;
  const open = new Map(targetsToList(gateway).map((t) => [t.name, t]));
  if (open.size === 0) return [];
  const targetNames = new Set(gateway.targets.map((t) => t.name));
  const found = new Map<
    string,
    { name: string; inputSchema?: TargetInfo['tools'][number]['inputSchema'] }[]
  >();
  let refused = 0;
  let overCap = 0;
  let kept = 0;
  for (const tool of mcpTools(listed.slice(0, MAX_LISTED_TOOLS + 1))) {
    const cut = tool.name.indexOf(TOOL_SEPARATOR);
    const prefix = cut > 0 ? tool.name.slice(0, cut) : '';
    const own = cut > 0 ? tool.name.slice(cut + TOOL_SEPARATOR.length) : '';
    if (!targetNames.has(prefix) || !TOOL_NAME.test(own)) {
      refused += 1;
      continue;
    }
    // A target whose schema gives its tools keeps them: the listing adds nothing there.
    const target = open.get(prefix);
    if (target === undefined) continue;
    const list = found.get(target.name) ?? [];
    if (kept >= MAX_LISTED_TOOLS || list.length >= MAX_TOOLS_PER_TARGET) {
      overCap += 1;
      continue;
    }
    if (list.some((t) => t.name === tool.name)) continue;
    list.push({ name: tool.name, ...(tool.inputSchema ? { inputSchema: tool.inputSchema } : {}) });
    found.set(target.name, list);
    kept += 1;
  }
  const issues: ScanIssue[] = [];
  if (refused > 0)
    issues.push({
      input,
      reason: `${refused} listed tool name(s) refused: not <target>___<tool> of a target the control API lists`,
    });
  if (overCap > 0 || listed.length > MAX_LISTED_TOOLS)
    issues.push({
      input,
      reason: `the listing is longer than gatewarden keeps (${MAX_LISTED_TOOLS} tools, ${MAX_TOOLS_PER_TARGET} a target): the rest is not read`,
    });
  for (const target of open.values()) {
    const tools = found.get(target.name);
    if (tools === undefined) {
      target.toolsUnknown = `${target.toolsUnknown ?? ''}; the gateway's tools/list names no tool of this target`;
      continue;
    }
    target.tools = tools;
    delete target.toolsUnknown;
    target.toolsFrom = 'gateway tools/list';
  }
  return issues;
}

/** A failed listing: the targets stay unknown and say why (the reason is never a secret). */
export function listingFailed(gateway: GatewayTools, reason: string): ScanIssue {
  for (const target of targetsToList(gateway))
    target.toolsUnknown = `${target.toolsUnknown ?? ''}; live listing failed: ${reason}`;
  return { input: `tools/list ${gateway.gatewayId}`, reason };
}
