import type { Server, ServerResponse } from 'node:http';

export interface HttpDrain {
  /** Call as the server starts closing: from then on, connections close once their response is sent. */
  closing(): void;
}

/**
 * Lets the server's `close()` finish as soon as the responses in flight are sent. Node closes only the
 * connections that are idle when `close()` is called: a keep-alive connection whose request was in
 * flight stays open after its response until the client or the keep-alive timeout ends it, and the
 * drain waits that long. Once closing, a response not yet started says `Connection: close`, and a
 * connection left idle by a finished response is closed.
 */
export function drainOnClose(server: Server): HttpDrain {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => {
      inFlight.delete(response);
      if (closing) {
        server.closeIdleConnections();
      }
    });
  });
  return {
    closing() {
      closing = true;
      for (const response of inFlight) {
        if (!response.headersSent) {
          response.shouldKeepAlive = false;
        }
      }
    },
  };
}
