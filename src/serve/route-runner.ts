import type { ConsumerRoute, RunningRoute } from '../core/consumer-route.js';

/**
 * Starts and stops consumer routers. The router itself (adapters/kafka/consumer-route.ts,
 * startConsumerRoute) is built separately against src/core/consumer-route.ts; `cdc serve` is
 * handed one of these at start-up, so plugging the router in is one line where serve is wired.
 */
export interface RouteRunner {
  start(route: ConsumerRoute): Promise<void>;
  stop(consumerId: string): Promise<void>;
  stopAll(): Promise<void>;
}

/** Keeps one RunningRoute per consumer, made by `startRoute`. */
export class RouteMap implements RouteRunner {
  private readonly running = new Map<string, RunningRoute>();

  constructor(private readonly startRoute: (route: ConsumerRoute) => Promise<RunningRoute>) {}

  async start(route: ConsumerRoute): Promise<void> {
    if (this.running.has(route.consumerId)) return;
    this.running.set(route.consumerId, await this.startRoute(route));
  }

  async stop(consumerId: string): Promise<void> {
    const r = this.running.get(consumerId);
    this.running.delete(consumerId);
    await r?.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }
}
