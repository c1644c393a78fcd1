/**
 * `cutline gateway`: a stateless process that serves the objects WebSocket (`/objects/ws`, the same
 * path and protocol as the engine's, through the same ObjectsGateway and ProtocolSession) for
 * viewers, with shared objects on Redis (RedisObjectStore). It verifies viewers on its own (JWTs
 * signed with the show's audience key, which it reads from Redis) and never calls the engine: run
 * as many as needed behind any load balancer. `GET /healthz` answers 200 while Redis is reachable
 * and 503 while not (so a balancer can steer viewers away).
 * Viewers get every object's changes coalesced: the store emits the latest state of an object at
 * most every 100 ms, so each viewer gets at most ~10 updates a second per object.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectCommandName } from '../../../shared/objects.ts';
import { type EventMessage, ProtocolError } from '../../../shared/protocol.ts';
import { type Caller, runObjectCommand } from '../objects/ObjectCommands.ts';
import { OBJECTS_WS_COMMANDS, ObjectsGateway } from '../objects/ObjectsGateway.ts';
import { RedisObjectStore } from '../objects/RedisObjectStore.ts';

/** Sockets one gateway process holds (CPU, not this cap, is the limit: docs/SHARED-OBJECTS.md "One million viewers"). */
export const GATEWAY_MAX_CONNECTIONS = 20_000;

export interface AudienceGatewayOptions {
  redisUrl: string;
  host?: string;
  port?: number;
  maxConnections?: number;
  coalesceMs?: number;
  log?: (line: string) => void;
}

export class AudienceGateway {
  private constructor(
    readonly store: RedisObjectStore,
    private readonly objectsWs: ObjectsGateway,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: AudienceGatewayOptions): Promise<AudienceGateway> {
    const log = options.log ?? ((line: string) => process.stderr.write(`[cutline gateway] ${line}\n`));
    const store = await RedisObjectStore.open({ url: options.redisUrl, log, ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}) });
    const allowed = new Set<string>(OBJECTS_WS_COMMANDS);
    const listeners = new Set<(message: EventMessage) => void>();
    const broadcast = (message: EventMessage) => {
      for (const listener of listeners) listener(message);
    };
    store.on('changed', (data) => broadcast({ type: 'event', event: 'object.changed', data }));
    store.on('created', (data) => broadcast({ type: 'event', event: 'object.created', data }));
    store.on('deleted', (data) => broadcast({ type: 'event', event: 'object.deleted', data }));
    let base = '';
    const objectsWs = new ObjectsGateway(
      {
        dispatch: (command, params, caller?: Caller) => {
          if (!allowed.has(command) || !caller) throw new ProtocolError('unauthorized', `only ${OBJECTS_WS_COMMANDS.join(', ')} run on a gateway`);
          return runObjectCommand(command as ObjectCommandName, params, { store }, caller);
        },
        onAnyEvent: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        // Guest invite tokens and issued tokens are the engine's: a gateway takes viewer JWTs only.
        guestForToken: () => undefined,
        audienceKey: () => store.currentAudienceKey,
        baseUrl: () => base,
        log,
      },
      options.maxConnections ?? GATEWAY_MAX_CONNECTIONS,
      'gateway',
    );
    store.on('audienceKeyRotated', () => objectsWs.cutOffViewerTokens());
    const server = createServer((req, res) => {
      if (req.url === '/healthz') {
        const online = store.status.online;
        res.writeHead(online ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(online ? 'ok\n' : 'objects offline: Redis cannot be reached\n');
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('a Cutline gateway serves only the objects WebSocket at /objects/ws (and /healthz)\n');
    });
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://gateway');
      } catch {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      if (!objectsWs.upgrade(req, socket, head, url)) socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nonly /objects/ws here\n');
    });
    // Thousands of sockets connect at once when a gateway dies and its viewers move here.
    server.maxConnections = (options.maxConnections ?? GATEWAY_MAX_CONNECTIONS) + 100;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    base = `http://${address.address}:${address.port}`;
    return new AudienceGateway(store, objectsWs, server, base);
  }

  async close(): Promise<void> {
    this.objectsWs.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.store.close();
  }
}
