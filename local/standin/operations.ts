/**
 * Finds the API operation a request calls, the way CloudTrail names it (`eventName`).
 *
 * JSON protocols carry it in `X-Amz-Target`, query protocols in `Action`. REST protocols only
 * have method + path: for those we read the operation table straight out of the AWS SDK
 * clients' own schemas (each operation schema carries its HTTP method and URI template), so
 * the names stay exact without a hand-written copy.
 */
import { createRequire } from 'node:module';

export interface RestOperation {
  name: string;
  method: string;
  /** The URI template's path, e.g. `/gateways/{gatewayIdentifier}/targets/`. */
  template: string;
  pattern: RegExp;
  labels: string[];
  /** Query keys (and optional values) the template requires, e.g. `policy`, `x-id=GetObject`. */
  query: Array<[string, string | undefined]>;
  /** Literal characters in the template: the more, the more specific. */
  weight: number;
}

export interface RestMatch {
  name: string;
  labels: Record<string, string>;
}

/** Compiles one URI template (`/a/{b}/{c+}?x&y=z`) into a matcher. */
export function compileTemplate(name: string, method: string, uri: string): RestOperation {
  const [pathPart = '', queryPart = ''] = uri.split('?', 2);
  const labels: string[] = [];
  let source = '';
  let weight = 0;
  for (const piece of pathPart.split(/(\{[^}]+\})/)) {
    const label = /^\{([^}+]+)(\+?)\}$/.exec(piece);
    if (label) {
      labels.push(label[1] ?? '');
      source += label[2] ? '(.+)' : '([^/]+)';
    } else {
      source += piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      weight += piece.length;
    }
  }
  // AWS tolerates a missing or extra trailing slash; so do we.
  source = source.replace(/\/$/, '');
  const query = queryPart
    ? queryPart.split('&').map((pair): [string, string | undefined] => {
        const [key = '', value] = pair.split('=', 2);
        return [key, value];
      })
    : [];
  weight += query.length * 10;
  return {
    name,
    method: method.toUpperCase(),
    template: pathPart,
    pattern: new RegExp(`^${source}/?$`),
    labels,
    query,
    weight,
  };
}

/** Matches a request against a table; the most specific template wins. */
export function matchRestOperation(
  table: readonly RestOperation[],
  method: string,
  path: string,
  query: URLSearchParams,
): RestMatch | undefined {
  let best: { op: RestOperation; groups: RegExpExecArray } | undefined;
  for (const op of table) {
    if (op.method !== method.toUpperCase()) continue;
    const groups = op.pattern.exec(path);
    if (!groups) continue;
    const queryOk = op.query.every(([key, value]) =>
      value === undefined ? query.has(key) : query.get(key) === value,
    );
    if (!queryOk) continue;
    if (!best || op.weight > best.op.weight) best = { op, groups };
  }
  if (!best) return undefined;
  const labels: Record<string, string> = {};
  best.op.labels.forEach((label, index) => {
    labels[label] = safeDecode(best.groups[index + 1] ?? '');
  });
  return { name: best.op.name, labels };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Reads the operation table out of an AWS SDK v3 client module's exported schemas. An
 * operation schema is an array `[9, namespace, name, traits, input, output]` whose traits hold
 * `[method, uri, code]` under the `http` key.
 */
export function restOperationsFromSdk(sdkModule: Record<string, unknown>): RestOperation[] {
  const operations: RestOperation[] = [];
  for (const value of Object.values(sdkModule)) {
    if (!Array.isArray(value) || value[0] !== 9 || typeof value[2] !== 'string') continue;
    const traits: unknown = value[3];
    if (!traits || typeof traits !== 'object') continue;
    for (const trait of Object.values(traits)) {
      if (
        Array.isArray(trait) &&
        typeof trait[0] === 'string' &&
        typeof trait[1] === 'string' &&
        trait[1].startsWith('/')
      ) {
        operations.push(compileTemplate(value[2], trait[0], trait[1]));
      }
    }
  }
  return operations;
}

const require = createRequire(import.meta.url);

/** SDK packages whose REST operations we name; keyed by SigV4 signing name. */
const REST_SDKS: Record<string, string[]> = {
  'bedrock-agentcore': [
    '@aws-sdk/client-bedrock-agentcore-control',
    '@aws-sdk/client-bedrock-agentcore',
  ],
  s3: ['@aws-sdk/client-s3'],
  lambda: ['@aws-sdk/client-lambda'],
  'access-analyzer': ['@aws-sdk/client-accessanalyzer'],
};

const tables = new Map<string, RestOperation[]>();

/** The REST operation table for a signing name (loaded lazily, once). */
export function restOperationsFor(service: string): RestOperation[] {
  const cached = tables.get(service);
  if (cached) return cached;
  const table: RestOperation[] = [];
  for (const pkg of REST_SDKS[service] ?? []) {
    try {
      table.push(...restOperationsFromSdk(require(pkg) as Record<string, unknown>));
    } catch {
      // A missing SDK package only costs us operation names; the request still works.
    }
  }
  tables.set(service, table);
  return table;
}
