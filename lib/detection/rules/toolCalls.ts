import type { CloudTrailRecord } from '../record.js';
import { safeIdentifier } from './identifiers.js';
import { obj, resourceArn, stableCaller, str } from './support.js';

/**
 * InvokeGateway data events read as tool calls (AgentCore developer guide, "Understanding
 * Gateway CloudTrail events"): the JSON-RPC request in `requestParameters.body` (`method`,
 * `params.name` = `<target>___<tool>`, arguments redacted), the outcome in
 * `responseElements.statusCode` and `responseElements.body` (`error`, or `result.isError`), the
 * target in `additionalEventData.targetId`, the caller's JWT claims in
 * `additionalEventData.jwt.claims`; the gateway in `resources[]`.
 *
 * Everything here but the gateway ARN comes from the caller: the tool name is whatever the
 * request said, and the claims of a refused call were never verified. So nothing is returned
 * raw: identifiers keep a conservative character set and a length cap, and one that had to be
 * changed carries a short hash of the original (two different values never read the same).
 * Arguments are never read; result content only for a policy engine's denial text, and never
 * returned.
 */

export const GATEWAY_TYPE = 'AWS::BedrockAgentCore::Gateway';

/** Why a call did not run: the token (401), a refusal (403), or the gateway's policy engine. */
export type Refusal = 'unauthenticated' | 'forbidden' | 'policy';

export interface ToolCall {
  /** Gateway id (from the ARN AWS recorded), or undefined when the record names none. */
  gatewayId: string | undefined;
  /** JSON-RPC method (`tools/call`, `tools/list`, `initialize`, …), sanitized. */
  method: string | undefined;
  /** `<target>___<tool>` of a `tools/call`, sanitized. */
  tool: string | undefined;
  /** The target id AgentCore recorded, sanitized. */
  targetId: string | undefined;
  /**
   * Who called: `jwt:<JWT sub>` (CUSTOM_JWT gateways) or `iam:<caller ARN>` (AWS_IAM gateways,
   * the role for sessions); undefined when neither is known (a refused token).
   */
  principal: string | undefined;
  /** The JWT client (`client_id`, else `azp`, else Okta's `cid`), sanitized. */
  client: string | undefined;
  /** HTTP status of the response, when recorded as a number. */
  status: number | undefined;
  refusal: Refusal | undefined;
  /** The tool ran but answered an error (`result.isError`) or the call got a JSON-RPC error. */
  failed: boolean;
}

/** The JSON-RPC body, whether recorded as an object or as its JSON text. */
function jsonBody(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string' && value.length <= 65_536) {
    try {
      return obj(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return obj(value);
}

/** The gateway id of an InvokeGateway record, from the resource ARN AWS wrote. */
export function invokedGateway(record: CloudTrailRecord): string | undefined {
  const arn = resourceArn(record, GATEWAY_TYPE) ?? resourceArn(record);
  const id = arn?.split(':gateway/')[1];
  return safeIdentifier(id, 100);
}

function claimsOf(record: CloudTrailRecord): Record<string, unknown> | undefined {
  return obj(obj(obj(record.additionalEventData)?.jwt)?.claims);
}

const POLICY_DENIAL = /AuthorizeActionException|Tool Execution Denied|due to policy enforcement/i;

/** Text a response carries outside the (redacted) content: the JSON-RPC error, bounded. */
function errorText(body: Record<string, unknown> | undefined): string {
  const error = obj(body?.error);
  const message = str(error?.message) ?? '';
  const data = str(error?.data) ?? '';
  // Content is REDACTED in CloudTrail; should AWS ever keep a denial's text, it is read too.
  const content = body === undefined ? undefined : obj(body.result)?.content;
  const texts = Array.isArray(content)
    ? content.map((item) => str(obj(item)?.text) ?? '').join(' ')
    : (str(content) ?? '');
  return `${message} ${data} ${texts}`.slice(0, 4_000);
}

function refusalOf(status: number | undefined, response: Record<string, unknown> | undefined) {
  if (status === 401) return 'unauthenticated';
  const text = errorText(response);
  if (POLICY_DENIAL.test(text)) return 'policy';
  if (status === 403) return 'forbidden';
  return undefined;
}

/** Reads an InvokeGateway record as a tool call (see the module comment). */
export function toolCallOf(record: CloudTrailRecord): ToolCall {
  const request = jsonBody(obj(record.requestParameters)?.body);
  const method = safeIdentifier(request?.method, 64);
  const tool =
    method === 'tools/call' ? safeIdentifier(obj(request?.params)?.name, 128) : undefined;
  const rawStatus = obj(record.responseElements)?.statusCode;
  const status =
    typeof rawStatus === 'number'
      ? rawStatus
      : typeof rawStatus === 'string' && /^\d{3}$/.test(rawStatus)
        ? Number(rawStatus)
        : undefined;
  const response = jsonBody(obj(record.responseElements)?.body);
  const refusal = refusalOf(status, response);
  const claims = claimsOf(record);
  const sub = refusal === 'unauthenticated' ? undefined : safeIdentifier(claims?.sub);
  const id = record.userIdentity;
  // AWS_IAM gateways: the SigV4 caller, recorded as an IAM identity with an ARN.
  const iam =
    sub === undefined &&
    id.type !== 'AWSAccount' &&
    (id.arn || id.sessionContext?.sessionIssuer?.arn)
      ? safeIdentifier(stableCaller(record), 200)
      : undefined;
  const client =
    refusal === 'unauthenticated'
      ? undefined
      : safeIdentifier(claims?.client_id ?? claims?.azp ?? claims?.cid);
  return {
    gatewayId: invokedGateway(record),
    method,
    tool,
    targetId: safeIdentifier(obj(record.additionalEventData)?.targetId, 64),
    principal: sub !== undefined ? `jwt:${sub}` : iam !== undefined ? `iam:${iam}` : undefined,
    client,
    status,
    refusal,
    failed:
      refusal === undefined &&
      (obj(response?.error) !== undefined || obj(response?.result)?.isError === true),
  };
}

/** True when the call passed authentication and authorization (status below 400, no refusal). */
export function accepted(call: ToolCall): boolean {
  return call.refusal === undefined && call.status !== undefined && call.status < 400;
}

/** What the tool-call rules read of a record (they all read it through {@link toolCallOf}). */
export const TOOL_CALL_READS: readonly string[] = [
  'additionalEventData.jwt',
  'additionalEventData.targetId',
  'requestParameters.body',
  'resources',
  'responseElements.body',
  'responseElements.statusCode',
];
