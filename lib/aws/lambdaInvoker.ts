import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { InvokeLambda } from '../rotation/issuers/webhook.js';
import { clientConfig } from './clients.js';

/**
 * Synchronous Lambda invocation for the webhook issuer's Lambda variant. The payload is the
 * signed request; the function's own error payload is not returned (it may echo input).
 */
export function lambdaInvoker(
  client: LambdaClient = new LambdaClient(clientConfig()),
): InvokeLambda {
  return async (functionArn, payload, timeoutMs) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(payload),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    return {
      payload: out.Payload ? new TextDecoder().decode(out.Payload) : '',
      ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
    };
  };
}
