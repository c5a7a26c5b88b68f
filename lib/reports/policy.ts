import { ReportInputError } from './errors.js';

/** One statement of an IAM policy, normalised: lists are always arrays, never absent. */
export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Action patterns as written (`Action`), or the excluded ones when `notAction` is true. */
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  principals?: Record<string, string[]>;
  notPrincipal: boolean;
  conditions?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  version?: string;
  statements: Statement[];
}

/**
 * Parses an IAM policy document as IAM and the AWS CLI return it: an object, a JSON string,
 * or a URL-encoded JSON string (the IAM API encodes documents; the CLI decodes them).
 */
export function parsePolicyDocument(
  input: unknown,
  where: string,
  /** Keeps one copy of repeated strings (actions, resources) across many documents. */
  intern: (value: string) => string = same,
): PolicyDocument {
  const raw = typeof input === 'string' ? decodeDocumentText(input, where) : input;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ReportInputError(`policy document of ${where} is not a JSON object`, {
      context: { where },
    });
  }
  const doc = raw as Record<string, unknown>;
  const statementValue = doc.Statement;
  const list = Array.isArray(statementValue)
    ? statementValue
    : statementValue === undefined
      ? []
      : [statementValue];
  return {
    ...(typeof doc.Version === 'string' ? { version: doc.Version } : {}),
    statements: list.map((s, i) => parseStatement(s, `${where} statement ${i}`, intern)),
  };
}

function decodeDocumentText(text: string, where: string): unknown {
  const trimmed = text.trim();
  const candidates = trimmed.startsWith('{') ? [trimmed] : [safeDecode(trimmed), trimmed];
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next decoding
    }
  }
  throw new ReportInputError(`policy document of ${where} is neither JSON nor URL-encoded JSON`, {
    context: { where },
  });
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

const same = (value: string): string => value;

function parseStatement(
  input: unknown,
  where: string,
  intern: (value: string) => string,
): Statement {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ReportInputError(`${where} is not an object`, { context: { where } });
  }
  const s = input as Record<string, unknown>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    throw new ReportInputError(`${where} has Effect ${JSON.stringify(s.Effect)}`, {
      context: { where },
    });
  }
  const notAction = s.NotAction !== undefined;
  const notResource = s.NotResource !== undefined;
  const notPrincipal = s.NotPrincipal !== undefined;
  const principalValue = notPrincipal ? s.NotPrincipal : s.Principal;
  const statement: Statement = {
    effect: s.Effect,
    actions: stringList(notAction ? s.NotAction : s.Action, intern),
    notAction,
    // A statement without Resource (trust policies) applies to the resource it is attached to.
    resources:
      s.Resource === undefined && s.NotResource === undefined
        ? ['*']
        : stringList(notResource ? s.NotResource : s.Resource, intern),
    notResource,
    notPrincipal,
  };
  if (typeof s.Sid === 'string' && s.Sid !== '') statement.sid = s.Sid;
  if (principalValue !== undefined) statement.principals = principalMap(principalValue, intern);
  if (s.Condition !== null && typeof s.Condition === 'object' && !Array.isArray(s.Condition)) {
    const conditions = s.Condition as Record<string, Record<string, unknown>>;
    if (Object.keys(conditions).length > 0) statement.conditions = conditions;
  }
  return statement;
}

function stringList(value: unknown, intern: (value: string) => string = same): string[] {
  if (typeof value === 'string') return [intern(value)];
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string').map(intern);
  return [];
}

function principalMap(value: unknown, intern: (value: string) => string): Record<string, string[]> {
  if (value === '*') return { AWS: ['*'] };
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, stringList(v, intern)]),
  );
}

/** Case-insensitive IAM wildcard match (`*` any run, `?` one character). */
export function wildcardMatch(pattern: string, value: string): boolean {
  return wildcardRegex(pattern).test(value);
}

const regexCache = new Map<string, RegExp>();

/** The compiled form of an IAM wildcard pattern (cached; patterns repeat a lot). */
export function wildcardRegex(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, 'i');
    regexCache.set(pattern, regex);
  }
  return regex;
}

/** True when a statement's action part covers `action` (honours NotAction). */
export function statementCoversAction(statement: Statement, action: string): boolean {
  const listed = statement.actions.some((p) => wildcardMatch(p, action));
  return statement.notAction ? !listed : listed;
}

/** True when a statement's resource part covers `resource` (honours NotResource). */
export function statementCoversResource(statement: Statement, resource: string): boolean {
  const listed = statement.resources.some((p) => wildcardMatch(p, resource));
  return statement.notResource ? !listed : listed;
}
