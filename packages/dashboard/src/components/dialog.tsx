import { type ReactNode, useEffect, useId, useRef } from "react";

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** Wider dialogs for forms with several columns. */
  wide?: boolean;
  /** While true, Escape and the backdrop do not close it (an operation is running). */
  locked?: boolean;
}

/**
 * A modal on the native <dialog>: the browser traps focus, restores it on close and closes on
 * Escape; we only keep `open` in React state and give it a labelled title.
 */
export function Dialog({ open, onClose, title, description, children, wide, locked }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click mirrors Escape, which <dialog> handles itself
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      className={`m-auto w-[calc(100%-2rem)] rounded-lg border border-line bg-surface p-0 text-ink shadow-xl ${wide ? "max-w-2xl" : "max-w-md"}`}
      onCancel={(event) => {
        event.preventDefault();
        if (!locked) onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> element itself.
        if (event.target === ref.current && !locked) onClose();
      }}
    >
      {open && (
        <div className="flex max-h-[85vh] flex-col">
          <header className="border-b border-line px-4 py-3">
            <h2 id={titleId} className="text-base font-semibold">
              {title}
            </h2>
            {description && (
              <p id={descriptionId} className="mt-0.5 text-sm text-muted">
                {description}
              </p>
            )}
          </header>
          <div className="overflow-y-auto px-4 py-3">{children}</div>
        </div>
      )}
    </dialog>
  );
}

/** The button row at the bottom of a dialog's form. */
export function DialogActions({ children }: { children: ReactNode }) {
  return <div className="mt-4 flex flex-wrap justify-end gap-2">{children}</div>;
}
