/**
 * One operator request to a head office at `baseUrl` with a bearer token, its answer read as
 * JSON: for tests that drive the operator API by method and path (campaigns, segments).
 */
export async function operatorCall<J = Record<string, unknown>>(
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
