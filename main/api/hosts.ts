/**
 * The Host allow-list (DNS rebinding). A page on `attacker.test:7420` whose name the attacker
 * later points at 127.0.0.1 talks to the till "same-origin": the browser sends no Origin check
 * worth the name, only `Host: attacker.test:7420`. So the till answers a request only when its
 * Host names the till itself:
 *
 * | Host                                   | answered when                                   |
 * | -------------------------------------- | ----------------------------------------------- |
 * | `127.0.0.1`, `localhost`, `[::1]`      | with the port the till listens on               |
 * | the address the till is bound to       | same (TILL_HOST set to a LAN address on purpose) |
 * | a name from TILL_ALLOWED_HOSTS         | with the till's port, or the port the entry names |
 * | anything else, or no Host at all       | never: 421 `host_not_allowed`                   |
 *
 * A Host without a port matches only when the till listens on port 80 (browsers omit it then).
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** `name[:port]` lower-cased, IPv6 literals kept in brackets; null when it is not a host at all. */
export function splitHost(value: string): { name: string; port: number | null } | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m || !m[1]) return null;
  return { name: m[1], port: m[2] === undefined ? null : Number(m[2]) };
}

/** A bare IPv6 address as configured (`::1`, two colons at least) in the bracketed form a Host header uses. */
function bracketed(name: string): string {
  return (name.match(/:/g)?.length ?? 0) >= 2 && !name.startsWith('[') ? `[${name}]` : name;
}

export class HostAllowList {
  private port = -1;
  private readonly names = new Set<string>(LOOPBACK_NAMES);
  private readonly withPort = new Set<string>();

  /** `extra`: TILL_ALLOWED_HOSTS entries, `name` or `name:port` (validated by the config). */
  constructor(extra: readonly string[] = []) {
    for (const e of extra) {
      const h = splitHost(bracketed(e));
      if (!h) continue;
      if (h.port === null) this.names.add(h.name);
      else this.withPort.add(`${h.name}:${h.port}`);
    }
  }

  /** Called once the server listens: the port is only known then (port 0 in tests). */
  bind(port: number, bindHost: string): void {
    this.port = port;
    const h = bracketed(bindHost.toLowerCase());
    if (!WILDCARDS.has(h)) this.names.add(h);
  }

  allows(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const h = splitHost(hostHeader);
    if (!h) return false;
    if (h.port !== null && this.withPort.has(`${h.name}:${h.port}`)) return true;
    if (!this.names.has(h.name)) return false;
    return h.port === null ? this.port === 80 : h.port === this.port;
  }
}
