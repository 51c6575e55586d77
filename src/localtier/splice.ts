// Joins two sockets both ways; an error or close on either side closes both (the relays and the service proxy).
import type { Socket } from "node:net";

export function splice(client: Socket, upstream: Socket): void {
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
}
