/**
 * Summarises the proxy engine's health for the VRRP tracker of the co-located
 * proxy (hapair_track_proxy): unhealthy as soon as a listener is not bound, or
 * a watched backend has no usable server. Event-driven: the engine's
 * listener-state and server-state events recompute it, no polling.
 */
import type { ListenerStateEvent, ProxyEngine } from './engine.js';

export interface ProxyHealth {
  readonly ok: boolean;
  readonly reason: string;
}

export class ProxyHealthReporter {
  private readonly listeners = new Map<string, ListenerStateEvent['state']>();
  private last: ProxyHealth | undefined;

  constructor(
    private readonly engine: ProxyEngine,
    private readonly watchedBackends: readonly string[],
    private readonly onChange: (h: ProxyHealth) => void,
  ) {
    engine.on('listener-state', (ev: ListenerStateEvent) => {
      this.listeners.set(ev.bind, ev.state);
      this.update();
    });
    engine.on('server-state', () => this.update());
  }

  current(): ProxyHealth {
    for (const [bind, state] of this.listeners) {
      if (state !== 'bound') return { ok: false, reason: `listener ${bind} ${state}` };
    }
    for (const name of this.watchedBackends) {
      const be = this.engine.backend(name);
      if (!be) return { ok: false, reason: `backend ${name} does not exist` };
      if (!be.servers.some((s) => s.usable()))
        return { ok: false, reason: `backend ${name} has no server available` };
    }
    return { ok: true, reason: 'listeners bound, backends served' };
  }

  /** Recomputes and reports when the verdict or its reason changed. */
  update(): void {
    const h = this.current();
    if (this.last && this.last.ok === h.ok && this.last.reason === h.reason) return;
    this.last = h;
    this.onChange(h);
  }
}
