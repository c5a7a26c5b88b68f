/**
 * Reads an HTTP request as the input structure of a model operation: which operation it calls
 * (`X-Amz-Target` for awsJson, method + URI template for restJson1), and its members from the
 * JSON body, path labels, query string and headers as the members' `location` binds them.
 */
import type { RawRequest } from '../awsRequest.js';
import { header } from '../awsRequest.js';
import { compileTemplate, matchRestOperation, type RestOperation } from '../operations.js';
import type { OperationModel, ServiceModel, Shape, ShapeRef } from './botocore.js';

export interface ResolvedOperation {
  operation: OperationModel;
  /** Path labels of a REST operation, decoded. */
  labels: Record<string, string>;
}

export type BoundInput =
  | { ok: true; input: Record<string, unknown> }
  /** The body is no JSON object: AWS fails to read the request before validating it. */
  | { ok: false; reason: string };

const restTables = new WeakMap<ServiceModel, RestOperation[]>();

function restTable(model: ServiceModel): RestOperation[] {
  let table = restTables.get(model);
  if (!table) {
    table = Object.values(model.operations).map((operation) =>
      compileTemplate(operation.name, operation.http.method, operation.http.requestUri),
    );
    restTables.set(model, table);
  }
  return table;
}

/** The operation of `model` a request calls, or undefined when it calls none of them. */
export function resolveOperation(
  model: ServiceModel,
  request: RawRequest,
): ResolvedOperation | undefined {
  if (model.metadata.protocol === 'json') {
    const target = header(request.headers, 'x-amz-target');
    const operation = target ? model.operations[target.split('.').pop() ?? ''] : undefined;
    return operation ? { operation, labels: {} } : undefined;
  }
  const match = matchRestOperation(restTable(model), request.method, request.path, request.query);
  const operation = match ? model.operations[match.name] : undefined;
  return match && operation ? { operation, labels: match.labels } : undefined;
}

/** A string from a label, query or header as the member's type (left as is when it is not one). */
function fromText(shape: Shape, text: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'float':
    case 'double':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

function parseBody(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  const text = body.toString('utf8').trim();
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'the request body is not valid JSON' };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The input structure of `resolved.operation`, with every member where its binding puts it. */
export function bindInput(
  model: ServiceModel,
  resolved: ResolvedOperation,
  request: RawRequest,
): BoundInput {
  const shapeName = resolved.operation.input?.shape;
  if (!shapeName) return { ok: true, input: {} };
  const shape = model.shapes[shapeName];
  const members = shape?.members ?? {};
  const parsed = parseBody(request.body);
  if (!parsed.ok) return parsed;
  const input: Record<string, unknown> = {};
  const payload = shape?.payload;
  if (payload) {
    const payloadShape = model.shapes[members[payload]?.shape ?? ''];
    input[payload] =
      payloadShape?.type === 'structure' ? parsed.value : request.body.toString('utf8');
  } else if (parsed.value !== undefined) {
    if (!isRecord(parsed.value)) return { ok: false, reason: 'the request body is no JSON object' };
    const body = parsed.value;
    for (const [name, ref] of Object.entries(members)) {
      if (!ref.location && body[ref.locationName ?? name] !== undefined)
        input[name] = body[ref.locationName ?? name];
    }
  }
  const boundQueryKeys = new Set(
    Object.values(members)
      .filter((ref) => ref.location === 'querystring')
      .map((ref) => ref.locationName ?? ''),
  );
  for (const [name, ref] of Object.entries(members)) {
    const value = boundValue(model, ref, name, resolved, request, boundQueryKeys);
    if (value !== undefined) input[name] = value;
  }
  return { ok: true, input };
}

function boundValue(
  model: ServiceModel,
  ref: ShapeRef,
  name: string,
  resolved: ResolvedOperation,
  request: RawRequest,
  boundQueryKeys: Set<string>,
): unknown {
  const shape = model.shapes[ref.shape];
  if (!shape || !ref.location) return undefined;
  const key = ref.locationName ?? name;
  const element = (of?: ShapeRef): Shape => model.shapes[of?.shape ?? ''] ?? { type: 'string' };
  switch (ref.location) {
    case 'uri': {
      const label = resolved.labels[key];
      return label === undefined ? undefined : fromText(shape, label);
    }
    case 'querystring': {
      if (shape.type === 'map') {
        const map: Record<string, string> = {};
        request.query.forEach((value, queryKey) => {
          if (!boundQueryKeys.has(queryKey)) map[queryKey] = value;
        });
        return Object.keys(map).length > 0 ? map : undefined;
      }
      if (!request.query.has(key)) return undefined;
      if (shape.type === 'list')
        return request.query.getAll(key).map((value) => fromText(element(shape.member), value));
      return fromText(shape, request.query.get(key) ?? '');
    }
    case 'header': {
      const value = header(request.headers, key);
      if (value === undefined) return undefined;
      if (shape.type === 'list')
        return value.split(',').map((item) => fromText(element(shape.member), item.trim()));
      return fromText(shape, value);
    }
    case 'headers': {
      const prefix = key.toLowerCase();
      const map: Record<string, string> = {};
      for (const [headerName, value] of Object.entries(request.headers)) {
        if (headerName.startsWith(prefix) && value !== undefined)
          map[headerName.slice(prefix.length)] = Array.isArray(value) ? value.join(',') : value;
      }
      return Object.keys(map).length > 0 ? map : undefined;
    }
    default:
      return undefined;
  }
}
