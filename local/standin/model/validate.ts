/**
 * Validates a value against a botocore shape the way AWS's request validation does: required
 * members, types, `enum`, `min`/`max` (length of strings, lists and maps; value of numbers) and
 * `pattern`. Violations carry the member path and wording of AWS's messages
 * (`Value 'x' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: …`).
 * Union cardinality is left to the routes. Pure.
 */
import type { ServiceModel, Shape, ShapeRef } from './botocore.js';
import { compilePattern } from './patterns.js';

export interface Violation {
  /** Member path as AWS prints it: members lower-camel, list items `<n>.member` from 1. */
  path: string;
  /**
   * The value as quoted in the message: `'x'`, `null`, `'***'` for a sensitive member, or empty
   * (not quoted) for a value of the wrong type.
   */
  value: string;
  constraint: string;
  /** `type`: the value is not of the member's type (AWS fails to read it), else a constraint. */
  kind: 'constraint' | 'type';
}

const INTEGER_TYPES = new Set(['integer', 'long', 'short', 'byte', 'biginteger']);
const NUMBER_TYPES = new Set([...INTEGER_TYPES, 'float', 'double', 'bigdecimal']);
const MASK = '***';

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
const memberPath = (path: string, name: string): string =>
  path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shapeOf(model: ServiceModel, ref: ShapeRef | string): Shape {
  const name = typeof ref === 'string' ? ref : ref.shape;
  const shape = model.shapes[name];
  if (!shape) throw new Error(`${model.service}: shape ${name} is not in the model`);
  return shape;
}

const isAggregate = (shape: Shape): boolean =>
  shape.type === 'structure' || shape.type === 'list' || shape.type === 'map';

/** The type a value should have had, or undefined when it has the shape's type. */
function typeMismatch(shape: Shape, value: unknown): string | undefined {
  switch (shape.type) {
    case 'structure':
      return shape.document || isRecord(value) ? undefined : 'structure';
    case 'map':
      return isRecord(value) ? undefined : 'map';
    case 'list':
      return Array.isArray(value) ? undefined : 'list';
    case 'string':
    case 'blob':
      return typeof value === 'string' ? undefined : shape.type;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'boolean';
    case 'timestamp':
      return (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
        ? undefined
        : 'timestamp';
    default:
      if (!NUMBER_TYPES.has(shape.type)) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) return shape.type;
      return INTEGER_TYPES.has(shape.type) && !Number.isInteger(value) ? shape.type : undefined;
  }
}

function lengthConstraints(shape: Shape, length: number): string[] {
  const out: string[] = [];
  if (shape.max !== undefined && length > shape.max)
    out.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined && length < shape.min)
    out.push(`Member must have length greater than or equal to ${shape.min}`);
  return out;
}

/** Constraints a string or number breaks (its type already checked). */
function scalarConstraints(shape: Shape, value: unknown): string[] {
  if (typeof value === 'number') {
    const out: string[] = [];
    if (shape.max !== undefined && value > shape.max)
      out.push(`Member must have value less than or equal to ${shape.max}`);
    if (shape.min !== undefined && value < shape.min)
      out.push(`Member must have value greater than or equal to ${shape.min}`);
    return out;
  }
  if (typeof value !== 'string' || shape.type !== 'string') return [];
  const out = lengthConstraints(shape, value.length);
  if (shape.pattern !== undefined && compilePattern(shape.pattern)?.test(value) === false)
    out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  if (shape.enum && !shape.enum.includes(value))
    out.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  return out;
}

/** A value as AWS quotes it, with every sensitive member (at any depth) masked. */
export function renderValue(model: ServiceModel, shape: Shape, value: unknown): string {
  if (shape.sensitive) return MASK;
  if (shape.type === 'list' && Array.isArray(value) && shape.member) {
    const member = shapeOf(model, shape.member);
    return `[${value.map((item) => renderValue(model, member, item)).join(', ')}]`;
  }
  if (shape.type === 'map' && isRecord(value) && shape.key && shape.value) {
    const key = shapeOf(model, shape.key);
    const item = shapeOf(model, shape.value);
    const entries = Object.entries(value).map(
      ([k, v]) => `${renderValue(model, key, k)}=${renderValue(model, item, v)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  if (shape.type === 'structure' && isRecord(value)) {
    if (shape.document) return JSON.stringify(value);
    const entries = Object.entries(shape.members ?? {})
      .filter(([name]) => value[name] !== undefined && value[name] !== null)
      .map(([name, ref]) => `${name}=${renderValue(model, shapeOf(model, ref), value[name])}`);
    return `{${entries.join(', ')}}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class Collector {
  readonly violations: Violation[] = [];

  constructor(private readonly model: ServiceModel) {}

  check(shape: Shape, value: unknown, path: string): void {
    const expected = typeMismatch(shape, value);
    if (expected) {
      // Not quoted: a value of another type is not echoed at all.
      this.violations.push({
        path,
        value: '',
        constraint: `Member must be of type ${expected}`,
        kind: 'type',
      });
      return;
    }
    if (shape.type === 'structure' && !shape.document) this.structure(shape, value, path);
    else if (shape.type === 'list') this.list(shape, value as unknown[], path);
    else if (shape.type === 'map') this.map(shape, value as Record<string, unknown>, path);
    else this.constraints(shape, value, path, scalarConstraints(shape, value));
  }

  private constraints(shape: Shape, value: unknown, path: string, constraints: string[]): void {
    const quoted = `'${renderValue(this.model, shape, value)}'`;
    for (const constraint of constraints)
      this.violations.push({ path, value: quoted, constraint, kind: 'constraint' });
  }

  private structure(shape: Shape, value: unknown, path: string): void {
    const record = value as Record<string, unknown>;
    const required = new Set(shape.required ?? []);
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const member = record[name];
      const at = memberPath(path, name);
      if (member === undefined || member === null) {
        if (required.has(name))
          this.violations.push({
            path: at,
            value: 'null',
            constraint: 'Member must not be null',
            kind: 'constraint',
          });
        continue;
      }
      this.check(shapeOf(this.model, ref), member, at);
    }
  }

  private list(shape: Shape, value: unknown[], path: string): void {
    this.constraints(shape, value, path, lengthConstraints(shape, value.length));
    if (!shape.member) return;
    const member = shapeOf(this.model, shape.member);
    const inner = new Set<string>();
    value.forEach((item, index) => {
      if (item === undefined || item === null) return;
      const at = `${path}.${index + 1}.member`;
      if (isAggregate(member) || typeMismatch(member, item)) this.check(member, item, at);
      else for (const constraint of scalarConstraints(member, item)) inner.add(constraint);
    });
    // Simple members are reported once, on the list: "Member must satisfy constraint: [...]".
    if (inner.size > 0)
      this.constraints(shape, value, path, [
        `Member must satisfy constraint: [${[...inner].join(', ')}]`,
      ]);
  }

  private map(shape: Shape, value: Record<string, unknown>, path: string): void {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined && item !== null);
    this.constraints(shape, value, path, lengthConstraints(shape, entries.length));
    if (!shape.key || !shape.value) return;
    const keyShape = shapeOf(this.model, shape.key);
    const valueShape = shapeOf(this.model, shape.value);
    const keys = new Set<string>();
    const values = new Set<string>();
    for (const [key, item] of entries) {
      for (const constraint of scalarConstraints(keyShape, key)) keys.add(constraint);
      if (isAggregate(valueShape) || typeMismatch(valueShape, item))
        this.check(valueShape, item, `${path}.${key}`);
      else for (const constraint of scalarConstraints(valueShape, item)) values.add(constraint);
    }
    const constraints: string[] = [];
    if (keys.size > 0)
      constraints.push(`Map keys must satisfy constraint: [${[...keys].join(', ')}]`);
    if (values.size > 0)
      constraints.push(`Map value must satisfy constraint: [${[...values].join(', ')}]`);
    this.constraints(shape, value, path, constraints);
  }
}

/** Every violation of `value` against the shape `shapeName`, in model member order. */
export function validateShape(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path = '',
): Violation[] {
  const collector = new Collector(model);
  collector.check(shapeOf(model, shapeName), value, path);
  return collector.violations;
}

/** One violation in AWS's words. */
export function describeViolation(violation: Violation): string {
  const value = violation.value ? ` ${violation.value}` : '';
  return `Value${value} at '${violation.path}' failed to satisfy constraint: ${violation.constraint}`;
}

/** `N validation error(s) detected: …; …`, listing at most `limit` of them. */
export function validationMessage(violations: readonly Violation[], limit = 10): string {
  const count = violations.length;
  const listed = violations.slice(0, limit).map(describeViolation).join('; ');
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${listed}`;
}

/**
 * Required members missing from a response value, at any depth (`findings.1.member.locations`).
 * Only presence is checked: a response may well carry values outside the model's patterns.
 */
export function missingRequiredMembers(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path = '',
): string[] {
  const shape = shapeOf(model, shapeName);
  const out: string[] = [];
  if (shape.type === 'structure' && !shape.document && isRecord(value)) {
    const required = new Set(shape.required ?? []);
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const at = path ? `${path}.${name}` : name;
      if (ref.location) continue;
      const member = value[ref.locationName ?? name];
      if (member === undefined || member === null) {
        if (required.has(name)) out.push(at);
      } else out.push(...missingRequiredMembers(model, ref.shape, member, at));
    }
  } else if (shape.type === 'list' && Array.isArray(value) && shape.member) {
    const member = shape.member.shape;
    value.forEach((item, index) =>
      out.push(...missingRequiredMembers(model, member, item, `${path}.${index + 1}.member`)),
    );
  } else if (shape.type === 'map' && isRecord(value) && shape.value) {
    const item = shape.value.shape;
    for (const [key, entry] of Object.entries(value))
      out.push(...missingRequiredMembers(model, item, entry, `${path}.${key}`));
  }
  return out;
}
