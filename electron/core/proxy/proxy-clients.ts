// The clients of one daemon's proxy: the main socket (all host peers together) and one per filtered
// socket, each with its own budget and judging turns, every filtered socket also drawing from one
// budget and one judging queue shared by all of them. The main socket's are its own: no container can
// use them up.
import { ClientBudget } from './client-budget.js';
import { proxyLimits, type ClientLimits, type ProxyLimits } from './client-limits.js';
import { TurnQueue } from './turn-queue.js';

/** What one listening socket's connections share. */
export interface ProxyClient {
  limits: ClientLimits;
  budget: ClientBudget;
  judgements: TurnQueue;
}

export class ProxyClients {
  private readonly containers: ClientBudget;
  private readonly containersJudging: TurnQueue;

  constructor(readonly limits: ProxyLimits = proxyLimits()) {
    this.containers = new ClientBudget(limits.containers);
    this.containersJudging = new TurnQueue(limits.containers.maxConcurrentJudgements);
  }

  /** The main socket's client. */
  host(): ProxyClient {
    return ProxyClients.alone(this.limits.host);
  }

  /** A new filtered socket's client. */
  container(): ProxyClient {
    const limits = this.limits.container;
    return {
      limits,
      budget: new ClientBudget(limits, this.containers),
      judgements: new TurnQueue(limits.maxConcurrentJudgements, this.containersJudging),
    };
  }

  /** A client with a budget of its own only (a proxy outside a daemon, tests). */
  static alone(limits: ClientLimits): ProxyClient {
    return {
      limits,
      budget: new ClientBudget(limits),
      judgements: new TurnQueue(limits.maxConcurrentJudgements),
    };
  }
}
