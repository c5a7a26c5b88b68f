/**
 * Rotation in an organization's member accounts, run from the central account's CLI: the
 * secret stays where it lives, and so does the rotation. The member account deploys the
 * gatewarden stage (its rotate and rotateNow functions, its keys and bindings); the central
 * stage's operator invokes the member's rotateNow function, which the member's stage lets
 * exactly one central role invoke (`centralRotationRoleArn`, docs/organization.md). The
 * central CLI never reads a member secret, never holds a member credential and never tells the
 * member where a credential goes: it sends the selector (a secret, a gateway, a tag, or the
 * sweep) and prints what the member's function answers.
 *
 * That answer is untrusted (a member administrator can replace the function's code): it is
 * parsed strictly, bounded, and only identifiers, counts and error classes are printed — the
 * same fields `gatewarden rotate` prints for its own rotations.
 */
import { z } from 'zod';
import { partitionOf } from '../shared/partition.js';
import type { InvokeLambda } from './issuers/webhook.js';
import { OnDemandError, type RotationResult, type SweepOutcome } from './onDemand.js';

/** What the member's rotateNow function is asked to do (its own event schema, functions/rotateNow.ts). */
export type MemberRotationEvent =
  { secretId: string } | { gatewayId: string } | { tag: string } | { sweep: true };

/** How long the CLI waits for the member's function (its timeout is 300 s). */
export const MEMBER_INVOKE_TIMEOUT_MS = 310_000;

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;
/** Serverless stage names: what `serverless deploy --stage` accepts. */
const STAGE = /^[a-zA-Z0-9-]{1,32}$/;

/**
 * The member's rotateNow function: `gatewarden-<stage>-rotateNow` in the member account and
 * region, built from validated parts only (never from a reply or a tag).
 */
export function memberRotateNowArn(where: {
  account: string;
  region: string;
  stage: string;
}): string {
  if (!ACCOUNT.test(where.account))
    throw new OnDemandError(`--account must be a 12-digit account id, got "${where.account}"`);
  if (!REGION.test(where.region))
    throw new OnDemandError(`not a region: "${where.region}" (set --region or AWS_REGION)`);
  if (!STAGE.test(where.stage))
    throw new OnDemandError(`not a stage name: "${where.stage}" (letters, digits and -)`);
  return `arn:${partitionOf(where.region)}:lambda:${where.region}:${where.account}:function:gatewarden-${where.stage}-rotateNow`;
}

/** Identifiers as the member's Secrets Manager writes them; anything else is not printed. */
const SECRET_ARN = z
  .string()
  .max(2048)
  .regex(/^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/);
const WORD = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]*$/);
const COUNT = z.number().int().min(0).max(1_000_000);
/** A reason is free text from the member: kept out, whatever it says. */
const rotationResult = z.object({
  secretArn: SECRET_ARN,
  outcome: z.enum(['started', 'succeeded', 'failed']),
  versionId: WORD.optional(),
  previousVersionId: WORD.optional(),
  tested: z.boolean().optional(),
  step: WORD.optional(),
  errorClass: WORD.optional(),
  ms: COUNT,
});
const sweepOutcome = z.object({
  secretArn: SECRET_ARN,
  revoked: COUNT,
  stillInGrace: COUNT,
  error: WORD.optional(),
});
const MAX_RESULTS = 10_000;
const rotationReply = z.object({
  started: COUNT,
  failed: COUNT,
  results: z.array(rotationResult).max(MAX_RESULTS),
});
const sweepReply = z.object({
  swept: COUNT,
  revoked: COUNT,
  failed: COUNT,
  results: z.array(sweepOutcome).max(MAX_RESULTS),
});
/** Replies past this size are not parsed (the function's own replies are far smaller). */
const MAX_REPLY_BYTES = 6 * 1024 * 1024;

export type MemberReply =
  { kind: 'rotation'; results: RotationResult[] } | { kind: 'sweep'; results: SweepOutcome[] };

/** The member's reply, checked field by field; an unexpected shape is an error naming no value. */
export function parseMemberReply(payload: string, sweep: boolean): MemberReply {
  if (payload.length > MAX_REPLY_BYTES)
    throw new OnDemandError(`the member function's reply is larger than ${MAX_REPLY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new OnDemandError("the member function's reply is not JSON");
  }
  const parsed = (sweep ? sweepReply : rotationReply).safeParse(json);
  if (!parsed.success) {
    // Paths only: the reply's values are the member's and never printed.
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => i.path.join('.') || '(root)')
      .join(', ');
    throw new OnDemandError(
      `the member function's reply is not a rotateNow result (unexpected at ${where}): is it gatewarden's rotateNow at the stage's version?`,
    );
  }
  return sweep
    ? { kind: 'sweep', results: (parsed.data as z.infer<typeof sweepReply>).results }
    : { kind: 'rotation', results: (parsed.data as z.infer<typeof rotationReply>).results };
}

/**
 * Asks the member's rotateNow function to act and returns its checked reply. A function error
 * is reported by its class only (the member's logs hold the rest).
 */
export async function rotateInMember(
  invoke: InvokeLambda,
  functionArn: string,
  event: MemberRotationEvent,
  timeoutMs = MEMBER_INVOKE_TIMEOUT_MS,
): Promise<MemberReply> {
  const reply = await invoke(functionArn, JSON.stringify(event), timeoutMs);
  if (reply.functionError !== undefined) {
    let errorType = 'Error';
    try {
      const body = JSON.parse(reply.payload) as { errorType?: unknown };
      if (typeof body.errorType === 'string' && /^[A-Za-z0-9_.]{1,64}$/.test(body.errorType))
        errorType = body.errorType;
    } catch {
      // not JSON: the class stays unknown
    }
    throw new OnDemandError(
      `the member's rotateNow function failed (${errorType}); its CloudWatch logs in the member account say why`,
    );
  }
  return parseMemberReply(reply.payload, 'sweep' in event);
}
