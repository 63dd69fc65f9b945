import { useEffect, useRef, useState } from "react";
import type { Sandbox, SandboxState } from "../../api/types.js";

/**
 * Announces state changes ("cl-… is now running") to screen readers: the badges change in
 * place, which a screen reader would not otherwise notice.
 */
export function StateAnnouncer({ sandboxes }: { sandboxes: Sandbox[] | undefined }) {
  const previous = useRef<Map<string, SandboxState> | null>(null);
  const [message, setMessage] = useState("");

  useEffect(() => {
    if (!sandboxes) return;
    const now = new Map(sandboxes.map((s) => [s.id, s.state]));
    const before = previous.current;
    previous.current = now;
    if (!before) return;
    const changes = sandboxes
      .filter((s) => before.has(s.id) && before.get(s.id) !== s.state)
      .map((s) => `Sandbox ${s.id} is now ${s.state}.`);
    if (changes.length) setMessage(changes.join(" "));
  }, [sandboxes]);

  return (
    <div role="status" aria-live="polite" className="sr-only">
      {message}
    </div>
  );
}
