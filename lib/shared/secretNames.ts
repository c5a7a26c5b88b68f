import { SECRET_PREFIX } from './env.js';

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

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[^:]*:\d*:secret:(.+)$/;

/**
 * Parses a secret name or ARN as a gateway credential secret. Other secrets — including
 * gatewarden's own under `gatewarden/` (issuer admin credentials in `gatewarden/admin/…`) —
 * give `undefined`.
 */
export function parseCredentialSecret(idOrArn: string): CredentialSecretName | undefined {
  const name = SECRET_ARN.exec(idOrArn)?.[1] ?? idOrArn;
  if (!name.startsWith(SECRET_PREFIX)) return undefined;
  const [gatewayId, kind, ...rest] = name.slice(SECRET_PREFIX.length).split('/');
  const leaf = rest.join('/');
  if (!gatewayId || !leaf || !credentialKinds.includes(kind as CredentialKind)) return undefined;
  return { gatewayId, kind: kind as CredentialKind, name: leaf };
}
