// An in-memory link between a simulated device and a gateway for tests: the
// device enrolled with an owner's certificate, bytes delivered until both
// sides are quiet.
import type { Gateway, GatewayLink } from "../../host/gateway/gateway.ts";
import { SimDevice } from "../../host/sim/device.ts";
import type { Grant, Owner } from "../../host/sync/owner.ts";

export const grant = (name: string): Grant => ({ name, write: [`sensors/${name}`], read: [`config/${name}`] });

export interface Link {
  dev: SimDevice;
  conn: GatewayLink;
  closed: () => boolean;
  run: () => void;
}

/** Connects dev to gw in memory and delivers bytes until both sides are quiet. */
export function link(gw: Gateway, dev: SimDevice, opts: { name?: string } = {}): Link {
  const q: [boolean, Uint8Array][] = [];
  let closed = false;
  const conn = gw.accept(
    (b) => q.push([true, b]),
    () => {
      closed = true;
    },
    { name: opts.name },
  );
  // As on a real transport, a session that ends on the device side closes the connection.
  dev.connect((b) => q.push([false, b]), gw.publicKey, { ended: () => conn.close() });
  const run = () => {
    for (let i = 0; i < 10_000 && q.length > 0; i++) {
      const [toDev, b] = q.shift() as [boolean, Uint8Array];
      if (toDev) dev.receive(b);
      else conn.receive(b);
    }
  };
  run();
  return { dev, conn, closed: () => closed, run };
}

export function enrolled(owner: Owner, name: string, o: { grant?: Partial<Grant> } = {}): { dev: SimDevice; cert: Uint8Array } {
  const dev = new SimDevice({ name, clock: () => 1_700_000_000 });
  const cert = owner.issue(dev.identity.publicKey(), { ...grant(name), ...o.grant });
  dev.enroll(owner.publicKey, owner.networkKey, cert);
  return { dev, cert };
}
