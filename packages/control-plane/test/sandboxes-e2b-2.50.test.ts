import * as sdk from "e2b-2-50";
import { type E2bSdk, e2bSdkSuite } from "./helpers/e2b-sdk-suite.js";

// e2b 2.50: the v1 routes, POST /sandboxes (with `secure`) and /sandboxes/{id}/connect. Its
// declarations are a separate copy of the same classes (nominally distinct to TypeScript), and
// every call this suite makes has the same signature in both lines.
e2bSdkSuite("2.50", sdk as unknown as E2bSdk);
