import type { Issuer } from '../issuer.js';
import { Auth0Issuer } from './auth0.js';
import { EntraIssuer } from './entra.js';
import { OktaIssuer } from './okta.js';
import type { FetchLike, ReadSecret } from './vendorHttp.js';
import { type InvokeLambda, WebhookIssuer } from './webhook.js';

export interface VendorIssuerDeps {
  readSecret: ReadSecret;
  fetch?: FetchLike;
  invokeLambda?: InvokeLambda;
}

/** The webhook, Okta, Entra and Auth0 issuers, for the engine's issuer registry. */
export function vendorIssuers(deps: VendorIssuerDeps): Issuer[] {
  const http = { readSecret: deps.readSecret, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  return [
    new WebhookIssuer({
      ...http,
      ...(deps.invokeLambda ? { invokeLambda: deps.invokeLambda } : {}),
    }),
    new OktaIssuer(http),
    new EntraIssuer(http),
    new Auth0Issuer(http),
  ] as Issuer[];
}
