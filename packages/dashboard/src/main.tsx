import "./styles.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createApiClient } from "./api/client.js";
import { ApiError } from "./api/errors.js";
import { createSessionStore } from "./api/session-store.js";
import { AppServicesProvider } from "./app-context.js";
import { ToastProvider } from "./components/toasts.js";
import { createAppRouter } from "./routes/router.js";

const session = createSessionStore(window.localStorage);
const api = createApiClient({ session, origin: window.location.origin });
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a network blip or a 503 may.
      retry: (failures, error) =>
        failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});
const router = createAppRouter(session);

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <AppServicesProvider services={{ api, session }}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          <RouterProvider router={router} />
        </ToastProvider>
      </QueryClientProvider>
    </AppServicesProvider>
  </StrictMode>,
);
