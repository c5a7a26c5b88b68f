import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext } from '../types.js';
import { changeOf } from './lastState.js';
import { FACTS, gatewaysOfFunction } from '../learnedFacts.js';
import { accountOfPrincipal } from './policy.js';
import { accountOfArn, isTrustedAccount, obj, param, str, strings } from './support.js';

/**
 * What the Lambda rules share: who an invoke permission lets in, which layers an update sets,
 * and whether a function is behind a gateway target (the learned `gateway-function` fact, so
 * the rules reading it declare `lastState: true`).
 */

/**
 * The gateways whose targets invoke the record's function, as known before the record
 * (undefined: none known). One finding carries a change of such a function: the gateway rule's.
 */
export function gatewaysBehind(
  record: CloudTrailRecord,
  context: DetectionContext,
): string[] | undefined {
  return gatewaysOfFunction(changeOf(record, context, FACTS.gatewayFunction)?.previous);
}

/** Who a statement lets in from outside the trusted accounts, and how sure that is. */
export interface Outsider {
  who: string;
  /** Narrowed to an organization gatewarden cannot check (its id is the caller's to choose). */
  organization?: string;
  /** A service principal with no source condition (any account's resources of that service). */
  unscoped?: boolean;
}

/**
 * Who a statement lets in, when that is outside the trusted accounts. `*` is open unless a
 * condition narrows it to a trusted source account or a source ARN in a trusted account; an
 * organization condition narrows it to an organization gatewarden cannot verify (the caller
 * names it). A service principal (`s3.amazonaws.com`, `events.amazonaws.com`…) is how
 * functions are wired to their triggers, unless its source account or source ARN is outside,
 * or neither is given (another account's bucket, topic or API could then invoke the function).
 */
export function outsider(
  record: CloudTrailRecord,
  context: DetectionContext,
): Outsider | undefined {
  const principal = str(param(record, 'principal'));
  if (principal === undefined) return undefined;
  const sourceAccount = str(param(record, 'sourceAccount'));
  const sourceArn = str(param(record, 'sourceArn'));
  const sourceArnAccount = sourceArn === undefined ? undefined : accountOfArn(sourceArn);
  const trusted = (account: string) => isTrustedAccount(account, record, context);
  const outsideSource =
    (sourceAccount !== undefined && !trusted(sourceAccount) && sourceAccount) ||
    (sourceArnAccount !== undefined && !trusted(sourceArnAccount) && sourceArnAccount) ||
    undefined;
  if (outsideSource !== undefined) return { who: outsideSource };
  if (principal === '*') {
    if (sourceAccount !== undefined || sourceArnAccount !== undefined) return undefined;
    const organization =
      str(param(record, 'principalOrgID')) ?? str(param(record, 'organizationId'));
    if (organization !== undefined) return { who: `organization ${organization}`, organization };
    // A source ARN without an account (an S3 bucket's) names nothing gatewarden can check.
    return { who: '*' };
  }
  // A service principal with neither a source account nor a source ARN: the service invokes
  // for any account's resource (another account's topic, bucket or rule), a known backdoor.
  if (principal.endsWith('.amazonaws.com')) {
    return sourceAccount === undefined && sourceArn === undefined
      ? {
          who: `any account's ${principal.replace('.amazonaws.com', '')} resources`,
          unscoped: true,
        }
      : undefined;
  }
  const account = accountOfPrincipal(principal);
  if (account !== undefined && !trusted(account)) return { who: principal };
  return undefined;
}

/** Layer version ARNs a create or update sets (request strings, or the response's `{arn}`). */
export function layersOf(record: CloudTrailRecord): string[] {
  const requested = param(record, 'layers');
  if (requested === undefined) return [];
  const arns = strings(requested);
  return arns.length > 0 || !Array.isArray(requested)
    ? arns
    : requested.map((layer) => str(obj(layer)?.arn)).filter((a): a is string => a !== undefined);
}

/** Layer ARNs of an update owned by an account outside the trusted ones (AWS-published too). */
export function foreignLayers(record: CloudTrailRecord, context: DetectionContext): string[] {
  return layersOf(record).filter((arn) => {
    const account = accountOfArn(arn);
    return account !== undefined && !isTrustedAccount(account, record, context);
  });
}
