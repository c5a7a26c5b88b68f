/**
 * Values the local IAM gate reads from a request, whatever its protocol: strings, tags (JSON,
 * query-protocol lists), the `aws:RequestTag`/`aws:TagKeys`/`aws:ResourceTag` context they make,
 * and the account and region of an ARN.
 * TEST/DEMO COMPONENT — local stack only.
 */
import type { ContextValues } from './authorizationTypes.js';

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Query-protocol lists: `Tags.member.1.Key` (IAM, STS, SNS), `Tag.1.Key` (SQS), `Tags.1.Key`;
 * `field` undefined for a list of strings (`TagKeys.member.1`).
 */
export function queryList(
  params: Record<string, unknown>,
  names: string[],
  field?: string,
): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) {
    for (const list of names) {
      const pattern = new RegExp(`^${list}\\.(?:member\\.)?(\\d+)${field ? `\\.${field}` : ''}$`);
      const index = pattern.exec(name)?.[1];
      if (index !== undefined && typeof value === 'string') found.set(index, value);
    }
  }
  return found;
}

/** Tags of a query-protocol request, or undefined when it names none. */
export function queryTags(params: Record<string, unknown>): Record<string, string> | undefined {
  const keys = queryList(params, ['Tags', 'Tag'], 'Key');
  if (keys.size === 0) return undefined;
  const values = queryList(params, ['Tags', 'Tag'], 'Value');
  const tags: Record<string, string> = {};
  for (const [index, key] of [...keys].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    tags[key] = values.get(index) ?? '';
  }
  return tags;
}

/** `[{Key,Value}]`, `{k: v}`, `[{key,value}]` or query-protocol tags of a request. */
export function requestTags(params: Record<string, unknown>): Record<string, string> | undefined {
  const raw = params.Tags ?? params.tags ?? params.TagList;
  if (!raw) return queryTags(params);
  const tags: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const tag of raw as Array<Record<string, unknown>>) {
      const key = str(tag.Key) ?? str(tag.key) ?? str(tag.TagKey);
      if (key) tags[key] = str(tag.Value) ?? str(tag.value) ?? str(tag.TagValue) ?? '';
    }
  } else if (typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      tags[key] = typeof value === 'string' ? value : '';
    }
  }
  return tags;
}

export function tagContext(
  tags: Record<string, string> | undefined,
  prefix = 'aws:RequestTag',
): ContextValues {
  if (!tags) return {};
  const context: ContextValues = {};
  for (const [key, value] of Object.entries(tags)) context[`${prefix}/${key}`] = value;
  if (prefix === 'aws:RequestTag') context['aws:TagKeys'] = Object.keys(tags);
  return context;
}

/** `aws:TagKeys` of an untag request (the keys it removes). */
export function untagKeys(params: Record<string, unknown>): ContextValues {
  const keys = params.TagKeys ?? params.tagKeys;
  if (Array.isArray(keys) && keys.every((key) => typeof key === 'string')) {
    return { 'aws:TagKeys': keys as string[] };
  }
  const listed = queryList(params, ['TagKeys', 'TagKey']);
  return listed.size > 0
    ? {
        'aws:TagKeys': [...listed]
          .sort((a, b) => Number(a[0]) - Number(b[0]))
          .map(([, key]) => key),
      }
    : {};
}

/**
 * `aws:ResourceTag/*` of a resource. The service-prefixed forms (`secretsmanager:ResourceTag/…`)
 * are not set: the evaluator's catalog knows them only as a literal `tag-key`.
 */
export function resourceTagContext(tags: Record<string, string>): ContextValues {
  const context: ContextValues = {};
  for (const [key, value] of Object.entries(tags)) context[`aws:ResourceTag/${key}`] = value;
  return context;
}

export function isArn(value: string | undefined): value is string {
  return value?.startsWith('arn:') ?? false;
}

/** Account and region of an ARN. */
export function arnParts(arn: string): { region: string; account: string } {
  const [, , , region = '', account = ''] = arn.split(':');
  return { region, account };
}
