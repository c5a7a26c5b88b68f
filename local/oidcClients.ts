/** Constants of the local OpenID Connect provider, importable without starting it. */

/** Audience of tokens issued without a `resource` parameter: what a demo gateway allows. */
export const DEFAULT_AUDIENCE = 'gatewarden-gateway';
/** Resource indicator that maps to {@link DEFAULT_AUDIENCE}. */
export const DEFAULT_RESOURCE = 'urn:gatewarden:gateway';
/** Scopes the local resource server knows. */
export const SCOPES = ['gateway:invoke', 'gateway:read', 'tools:call'];

/**
 * Seeded demo clients. Their secrets are fixed, public demo values of a loopback-only test
 * IdP — never real credentials. Rotation tests should register their own client instead.
 */
export const DEMO_CLIENTS = [
  {
    client_id: 'gatewarden-demo-agent',
    client_secret: 'demo-agent-secret-not-for-production',
    scope: 'gateway:invoke gateway:read tools:call',
  },
  {
    client_id: 'gatewarden-demo-outbound',
    client_secret: 'demo-outbound-secret-not-for-production',
    scope: 'gateway:invoke tools:call',
  },
] as const;
