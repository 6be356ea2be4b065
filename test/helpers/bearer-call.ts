/**
 * One JSON request to `baseUrl` with a bearer token (an operator's at head office, a staff
 * session's or the POS key at a till), its answer read as JSON.
 */
export async function bearerCall<J = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: J }> {
  const r = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as J };
}
