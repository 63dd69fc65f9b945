/** A small indeterminate spinner; decorative: the text beside it says what is happening. */
export function Spinner({ className = "" }: { className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={`inline-block size-3.5 shrink-0 motion-safe:animate-spin rounded-full border-2 border-current border-r-transparent ${className}`}
    />
  );
}
