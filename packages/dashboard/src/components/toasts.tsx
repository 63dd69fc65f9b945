import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useMemo,
  useRef,
  useState,
} from "react";

export type ToastTone = "success" | "error" | "info";

interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

export interface Toaster {
  show(tone: ToastTone, message: string): void;
  success(message: string): void;
  error(message: string): void;
  info(message: string): void;
}

const ToastContext = createContext<Toaster | null>(null);

const TONES: Record<ToastTone, string> = {
  success: "border-good/40 bg-good-soft text-ink",
  error: "border-bad/50 bg-bad-soft text-ink",
  info: "border-line bg-surface text-ink",
};

const LABELS: Record<ToastTone, string> = { success: "Done", error: "Error", info: "Note" };

/**
 * Toasts in two live regions: errors are `role="alert"` (announced at once), the rest `status`
 * (announced politely). Errors stay until dismissed; the rest leave after a few seconds.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((toast) => toast.id !== id));
  }, []);

  const show = useCallback(
    (tone: ToastTone, message: string) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-2), { id, tone, message }]);
      if (tone !== "error") setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );

  const toaster = useMemo<Toaster>(
    () => ({
      show,
      success: (message) => show("success", message),
      error: (message) => show("error", message),
      info: (message) => show("info", message),
    }),
    [show],
  );

  const region = (tones: ToastTone[]) =>
    toasts
      .filter((toast) => tones.includes(toast.tone))
      .map((toast) => (
        <div
          key={toast.id}
          className={`pointer-events-auto flex items-start gap-3 rounded-md border px-3 py-2 text-sm shadow-md ${TONES[toast.tone]}`}
        >
          <p className="flex-1">
            <span className="sr-only">{LABELS[toast.tone]}: </span>
            {toast.message}
          </p>
          <button
            type="button"
            className="rounded px-1 text-muted hover:text-ink"
            onClick={() => dismiss(toast.id)}
            aria-label="Dismiss notification"
          >
            ×
          </button>
        </div>
      ));

  return (
    <ToastContext.Provider value={toaster}>
      {children}
      <div className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-end gap-2 p-3 sm:bottom-4 sm:right-4 sm:left-auto sm:w-96">
        <div role="alert" className="flex w-full flex-col gap-2">
          {region(["error"])}
        </div>
        <div role="status" aria-live="polite" className="flex w-full flex-col gap-2">
          {region(["success", "info"])}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Toaster {
  const toaster = useContext(ToastContext);
  if (!toaster) throw new Error("useToast outside <ToastProvider>");
  return toaster;
}
