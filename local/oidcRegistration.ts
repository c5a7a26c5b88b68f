/** Dynamic client registration at the local OpenID Connect provider (or any issuer). */

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  registrationClientUri: string;
  registrationAccessToken: string;
}

/**
 * Registers a client_credentials client at an issuer's dynamic registration endpoint
 * (RFC 7591), with what RFC 7592 management needs: the registration URI and access token.
 */
export async function registerOidcClient(
  issuer: string,
  name: string,
  initialAccessToken?: string,
): Promise<RegisteredClient> {
  const discovery = (await (
    await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  ).json()) as { registration_endpoint?: string };
  if (!discovery.registration_endpoint) {
    throw new Error(`issuer ${issuer} offers no dynamic client registration`);
  }
  const response = await fetch(discovery.registration_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}),
    },
    body: JSON.stringify({
      client_name: name,
      grant_types: ['client_credentials'],
      scope: 'gateway:invoke tools:call',
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  if (!response.ok) {
    throw new Error(`client registration at ${issuer} failed with HTTP ${response.status}`);
  }
  const body = (await response.json()) as Record<string, string>;
  const { client_id, client_secret, registration_client_uri, registration_access_token } = body;
  if (!client_id || !client_secret || !registration_client_uri || !registration_access_token) {
    throw new Error('client registration response lacks client or registration fields');
  }
  return {
    clientId: client_id,
    clientSecret: client_secret,
    registrationClientUri: registration_client_uri,
    registrationAccessToken: registration_access_token,
  };
}
