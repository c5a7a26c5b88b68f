import { ADMIN_SECRET_PREFIX, SECRET_PREFIX } from './env.js';

/** The kinds of gateway credential gatewarden holds, one secret each. */
export const credentialKinds = ['apiKey', 'oauthClient', 'inboundClient'] as const;
export type CredentialKind = (typeof credentialKinds)[number];

export interface CredentialSecretName {
  gatewayId: string;
  kind: CredentialKind;
  /** Provider or client name (for an ARN, with Secrets Manager's random suffix). */
  name: string;
}

/**
 * The name of a gateway credential secret: `gatewarden/<gatewayId>/<kind>/<name>`, with
 * characters Secrets Manager does not allow in names replaced by `-`.
 */
export function credentialSecretName(
  gatewayId: string,
  kind: CredentialKind,
  name: string,
): string {
  return `${SECRET_PREFIX}${gatewayId}/${kind}/${name}`.replace(/[^A-Za-z0-9/_+=.@-]/g, '-');
}

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([^:]*):(\d*):secret:(.+)$/;

/**
 * Parses a secret name or ARN as a gateway credential secret. Other secrets — including
 * gatewarden's issuer admin secrets under `gatewarden-admin/` — give `undefined`.
 */
export function parseCredentialSecret(idOrArn: string): CredentialSecretName | undefined {
  const name = SECRET_ARN.exec(idOrArn)?.[4] ?? idOrArn;
  if (!name.startsWith(SECRET_PREFIX)) return undefined;
  const [gatewayId, kind, ...rest] = name.slice(SECRET_PREFIX.length).split('/');
  const leaf = rest.join('/');
  if (!gatewayId || !leaf || !credentialKinds.includes(kind as CredentialKind)) return undefined;
  return { gatewayId, kind: kind as CredentialKind, name: leaf };
}

/** AWS partitions; SECRET_ARN alone would let `arn:awsfoo:…` through. */
const PARTITIONS = new Set([
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
]);
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
/** Characters Secrets Manager allows in a secret name (and its limit). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Whether a secret name or ARN names an issuer admin secret: one under `gatewarden-admin/`,
 * never a gateway credential (`gatewarden/…`), an AgentCore-managed secret or anything else.
 * An ARN must be a whole Secrets Manager secret ARN (known partition, region, 12-digit
 * account). Names holding `..` or an empty or `.` segment are refused too: Secrets Manager
 * treats them literally, but a reader (or a future path join) might not.
 */
export function isAdminSecretRef(idOrArn: string): boolean {
  let name = idOrArn;
  if (idOrArn.startsWith('arn:')) {
    const match = SECRET_ARN.exec(idOrArn);
    if (!match) return false;
    const [, partition = '', region = '', account = '', arnName = ''] = match;
    if (!PARTITIONS.has(partition) || !REGION.test(region) || !ACCOUNT.test(account)) {
      return false;
    }
    name = arnName;
  }
  if (!SECRET_NAME.test(name) || !name.startsWith(ADMIN_SECRET_PREFIX) || name.includes('..')) {
    return false;
  }
  return name
    .slice(ADMIN_SECRET_PREFIX.length)
    .split('/')
    .every((segment) => segment !== '' && segment !== '.');
}
