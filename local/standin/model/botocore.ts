/**
 * The official service models, as botocore ships them inside moto's venv
 * (`botocore/data/<service>/<version>/service-2.json[.gz]`). Loaded once per service.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VENV_DIR } from '../../paths.js';

export type Location = 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';

/** A member's or a list/map element's reference to its shape, with its HTTP binding. */
export interface ShapeRef {
  shape: string;
  location?: Location;
  locationName?: string;
  timestampFormat?: string;
}

export interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  sensitive?: boolean;
  union?: boolean;
  document?: boolean;
  payload?: string;
  timestampFormat?: string;
  exception?: boolean;
}

export interface OperationModel {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: { shape: string };
  output?: { shape: string };
}

export interface ServiceModel {
  /** The botocore service name, e.g. `bedrock-agentcore-control`. */
  service: string;
  metadata: { protocol: string; targetPrefix?: string; signingName?: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

export class ServiceModelError extends Error {
  constructor(
    message: string,
    readonly service: string,
  ) {
    super(message);
    this.name = 'ServiceModelError';
  }
}

/** `site-packages/botocore/data` inside a venv (`lib/python3.X/…` on POSIX, `Lib/…` on Windows). */
export function botocoreDataDir(venv: string = VENV_DIR): string {
  const candidates = [join(venv, 'Lib', 'site-packages', 'botocore', 'data')];
  const lib = join(venv, 'lib');
  if (existsSync(lib)) {
    for (const python of readdirSync(lib)
      .filter((name) => name.startsWith('python'))
      .sort()) {
      candidates.unshift(join(lib, python, 'site-packages', 'botocore', 'data'));
    }
  }
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new ServiceModelError(`botocore is not installed in ${venv}`, '*');
  return found;
}

/** Reads one service's newest model version from a botocore data folder. */
export function readServiceModel(
  service: string,
  dataDir: string = botocoreDataDir(),
): ServiceModel {
  const serviceDir = join(dataDir, service);
  if (!existsSync(serviceDir))
    throw new ServiceModelError(`botocore has no model for ${service}`, service);
  const version = readdirSync(serviceDir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name))
    .sort()
    .pop();
  if (!version) throw new ServiceModelError(`botocore has no model version of ${service}`, service);
  const plain = join(serviceDir, version, 'service-2.json');
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  const parsed = JSON.parse(text) as Omit<ServiceModel, 'service'>;
  return {
    service,
    metadata: parsed.metadata,
    operations: parsed.operations,
    shapes: parsed.shapes,
  };
}

const loaded = new Map<string, ServiceModel>();

/** The model of `service` (a botocore name such as `cloudtrail`), read on first use and kept. */
export function serviceModel(service: string): ServiceModel {
  let model = loaded.get(service);
  if (!model) {
    model = readServiceModel(service);
    loaded.set(service, model);
  }
  return model;
}
