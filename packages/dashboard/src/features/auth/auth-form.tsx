import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { describeError } from "../../api/errors.js";
import { Button } from "../../components/button.js";
import { FormError, TextField } from "../../components/field.js";
import { useLogin, useSignup } from "./queries.js";

/** Only same-app hash paths: a redirect must never leave the dashboard. */
export function safeRedirect(target: string | undefined): string {
  return target?.startsWith("/") && !target.startsWith("//") ? target : "/sandboxes";
}

export function AuthForm({ mode, redirect }: { mode: "login" | "signup"; redirect?: string }) {
  const login = useLogin();
  const signup = useSignup();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const mutation = mode === "login" ? login : signup;
  const isSignup = mode === "signup";

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2">
          <Logo />
          <span className="text-lg font-semibold">Wrenn</span>
        </div>
        <div className="rounded-lg border border-line bg-surface p-5 shadow-sm">
          <h1 className="mb-1 text-lg font-semibold">
            {isSignup ? "Create your account" : "Sign in"}
          </h1>
          <p className="mb-4 text-sm text-muted">
            {isSignup
              ? "A team is made for you; invite others later."
              : "Sandboxes for untrusted code."}
          </p>
          <form
            className="flex flex-col gap-3"
            onSubmit={(event) => {
              event.preventDefault();
              const done = () => void navigate({ to: safeRedirect(redirect) });
              if (isSignup) {
                signup.mutate(
                  { email: email.trim(), password, ...(name.trim() && { name: name.trim() }) },
                  { onSuccess: done },
                );
              } else {
                login.mutate({ email: email.trim(), password }, { onSuccess: done });
              }
            }}
          >
            {isSignup && (
              <TextField
                label="Name (optional)"
                autoComplete="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                maxLength={100}
              />
            )}
            <TextField
              label="Email"
              type="email"
              autoComplete="email"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <TextField
              label="Password"
              type="password"
              autoComplete={isSignup ? "new-password" : "current-password"}
              required
              minLength={isSignup ? 8 : undefined}
              maxLength={256}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              hint={isSignup ? "At least 8 characters." : undefined}
            />
            <FormError error={mutation.error ? describeError(mutation.error) : null} />
            <Button type="submit" variant="primary" busy={mutation.isPending} className="w-full">
              {isSignup ? "Create account" : "Sign in"}
            </Button>
          </form>
        </div>
        <p className="mt-4 text-center text-sm text-muted">
          {isSignup ? "Already have an account? " : "New to Wrenn? "}
          <Link
            to={isSignup ? "/login" : "/signup"}
            search={{ redirect }}
            className="text-accent hover:underline"
          >
            {isSignup ? "Sign in" : "Create an account"}
          </Link>
        </p>
      </div>
    </main>
  );
}

export function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="size-6">
      <rect width="16" height="16" rx="3" fill="#335bd6" />
      <path d="M3 4l2 8 3-6 3 6 2-8" stroke="white" strokeWidth="1.6" fill="none" />
    </svg>
  );
}
