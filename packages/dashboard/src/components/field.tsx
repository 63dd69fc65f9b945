import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from "react";

const CONTROL =
  "h-8 w-full rounded-md border border-line bg-surface px-2 text-sm text-ink placeholder:text-muted/70 disabled:opacity-60 aria-[invalid=true]:border-bad";

interface FieldFrameProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  className?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}

function FieldFrame({ label, hint, error, className = "", children }: FieldFrameProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="text-xs font-medium text-muted">
        {label}
      </label>
      {children({ id, describedBy: describedBy || undefined })}
      {hint && (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-xs text-bad">
          {error}
        </p>
      )}
    </div>
  );
}

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id"> {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  containerClassName?: string;
}

export function TextField({ label, hint, error, containerClassName, ...input }: TextFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} className={containerClassName}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          className={CONTROL}
          {...input}
        />
      )}
    </FieldFrame>
  );
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "id"> {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  containerClassName?: string;
}

export function SelectField({
  label,
  hint,
  error,
  containerClassName,
  children,
  ...select
}: SelectFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} className={containerClassName}>
      {({ id, describedBy }) => (
        <select id={id} aria-describedby={describedBy} className={CONTROL} {...select}>
          {children}
        </select>
      )}
    </FieldFrame>
  );
}

export function CheckboxField({
  label,
  hint,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "id"> & {
  label: ReactNode;
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        className="mt-0.5 size-4 accent-accent"
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...input}
      />
      <div>
        <label htmlFor={id} className="text-sm">
          {label}
        </label>
        {hint && (
          <p id={`${id}-hint`} className="text-xs text-muted">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

/** A form-level error: what the server said, in a live region so it is announced. */
export function FormError({ error }: { error: string | null | undefined }) {
  return (
    <div role="alert" className="empty:hidden">
      {error && (
        <p className="rounded-md border border-bad/40 bg-bad-soft px-3 py-2 text-sm">{error}</p>
      )}
    </div>
  );
}
