/**
 * The demo runs on a stack that enforces IAM, every gatewarden function as its deployed role:
 * whatever the local IAM gate refused while it ran is listed, and makes the demo fail.
 */
export interface IamCheck {
  mode: string;
  /** One line per call refused since the demo began (who, what, on what, why). */
  refused: string[];
}

/** What the stack at `endpoint` refused since `since` (the gate keeps its recent refusals). */
export async function iamRefusalsSince(endpoint: string, since: Date): Promise<IamCheck> {
  const response = await fetch(`${endpoint}/_gatewarden/iam/denials`);
  const body = (await response.json()) as {
    mode: string;
    denials: Array<{
      at: string;
      principal: string;
      action?: string;
      resource?: string;
      reason: string;
    }>;
  };
  const refused = body.denials
    .filter((d) => Date.parse(d.at) >= since.getTime())
    .map(
      (d) =>
        `${d.principal} ${d.action ?? '?'}${d.resource ? ` on ${d.resource}` : ''}: ${d.reason}`,
    );
  return { mode: body.mode, refused };
}
