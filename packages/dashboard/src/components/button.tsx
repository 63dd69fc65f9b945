import type { ButtonHTMLAttributes, ReactNode } from "react";
import { Spinner } from "./spinner.js";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-accent text-accent-ink border-accent hover:brightness-110",
  secondary: "bg-surface text-ink border-line hover:bg-raised",
  danger: "bg-surface text-bad border-bad/50 hover:bg-bad-soft",
  ghost: "bg-transparent text-ink border-transparent hover:bg-raised",
};

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: "sm" | "md";
  /** Shows a spinner and disables the button while an operation runs. */
  busy?: boolean;
  icon?: ReactNode;
}

export function buttonClass(variant: ButtonVariant = "secondary", size: "sm" | "md" = "md") {
  const sizing = size === "sm" ? "h-7 px-2 text-xs gap-1" : "h-8 px-3 text-sm gap-1.5";
  return `inline-flex items-center justify-center whitespace-nowrap rounded-md border font-medium motion-safe:transition disabled:cursor-not-allowed disabled:opacity-50 ${sizing} ${VARIANTS[variant]}`;
}

export function Button({
  variant = "secondary",
  size = "md",
  busy = false,
  icon,
  className = "",
  disabled,
  children,
  type = "button",
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={`${buttonClass(variant, size)} ${className}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? <Spinner /> : icon}
      {children}
    </button>
  );
}
