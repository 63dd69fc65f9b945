/** The signed-in session, kept in localStorage so a reload stays signed in. */
export interface StoredSession {
  token: string;
  expiresAt: string;
}

export interface SessionStore {
  get(): StoredSession | null;
  set(session: StoredSession): void;
  clear(): void;
  /** For useSyncExternalStore; also fires when another tab signs in or out. */
  subscribe(listener: () => void): () => void;
}

const KEY = "wrenn.session";

function parse(raw: string | null): StoredSession | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === "object" &&
      value !== null &&
      "token" in value &&
      typeof value.token === "string" &&
      "expiresAt" in value &&
      typeof value.expiresAt === "string"
    ) {
      return { token: value.token, expiresAt: value.expiresAt };
    }
  } catch {
    // A value some other version wrote: treat as signed out.
  }
  return null;
}

export function createSessionStore(storage: Storage, now: () => number = Date.now): SessionStore {
  const listeners = new Set<() => void>();
  // useSyncExternalStore needs a stable snapshot: re-parse only when the raw value changes.
  let lastRaw: string | null = null;
  let lastParsed: StoredSession | null = null;
  const notify = () => {
    for (const listener of listeners) listener();
  };
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) notify();
  });
  return {
    get() {
      const raw = storage.getItem(KEY);
      if (raw !== lastRaw) {
        lastRaw = raw;
        lastParsed = parse(raw);
      }
      if (lastParsed && Date.parse(lastParsed.expiresAt) <= now()) return null;
      return lastParsed;
    },
    set(session) {
      storage.setItem(KEY, JSON.stringify(session));
      notify();
    },
    clear() {
      storage.removeItem(KEY);
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
