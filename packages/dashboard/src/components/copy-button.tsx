import { useState } from "react";
import { Button } from "./button.js";

/** navigator.clipboard needs a secure context; plain http on a LAN address falls back. */
async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: the fallback below may still work.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  return copied;
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [result, setResult] = useState<"copied" | "failed" | null>(null);
  return (
    <>
      <Button
        size="sm"
        onClick={async () => {
          setResult((await copyText(text)) ? "copied" : "failed");
          setTimeout(() => setResult(null), 2000);
        }}
      >
        {result === "copied" ? "Copied" : label}
      </Button>
      <span role="status" className="sr-only">
        {result === "copied"
          ? "Copied to the clipboard"
          : result === "failed"
            ? "Copy failed: select the text and copy it by hand"
            : ""}
      </span>
    </>
  );
}
