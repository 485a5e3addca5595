/**
 * Whether a URL's host is this machine or a private network: loopback, RFC 1918, carrier-grade NAT, link-local
 * (cloud metadata lives there), unique-local IPv6, and `localhost` names. Only literal addresses and such names
 * can be judged without DNS, which Web APIs do not offer; a public name that resolves to a private address is not
 * caught here.
 */
export function isPrivateHost(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return isPrivateV4(v4.slice(1).map(Number));
  if (host.includes(":")) {
    // IPv4-mapped addresses; URL parsing turns `::ffff:10.0.0.1` into `::ffff:a00:1`.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (mapped) {
      const [high, low] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
      return isPrivateV4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
    }
    return host === "::1" || host === "::" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}

function isPrivateV4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}
