/**
 * The one place cdc handles SIGTERM and SIGINT (bin/cdc.js installs it before anything else loads).
 *
 * One listener per signal is installed once and never removed: it hands the signal to the handler
 * currently in charge. Commands take charge with `onStopSignal` and give it back when done. The
 * earlier scheme replaced listeners with removeAllListeners, and removing the last listener closes
 * Node's signal watcher, dropping a signal that had arrived but was not yet dispatched: a SIGTERM
 * during start-up was sometimes ignored until a second one (2 of 23 trials, issue 11).
 *
 * With no command in charge (loading, parsing flags, a short command), nothing is in flight and a
 * signal ends the process at once with exit 0.
 */
export type StopHandler = (signal: NodeJS.Signals) => void;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

let current: StopHandler | null = null;
let installed = false;
/** Signals received while a handler was being swapped in are never lost: each reaches a handler. */
function dispatch(signal: NodeJS.Signals): void {
  if (current) current(signal);
  else process.exit(0);
}

/** Installs the permanent listeners; idempotent. */
export function installSignalHandling(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, dispatch);
}

/**
 * Puts `handler` in charge of SIGTERM/SIGINT until the returned function is called (then the
 * previous handler is back). The handler decides what a first and a second signal do.
 */
export function onStopSignal(handler: StopHandler): () => void {
  installSignalHandling();
  const previous = current;
  current = handler;
  return () => {
    if (current === handler) current = previous;
  };
}
