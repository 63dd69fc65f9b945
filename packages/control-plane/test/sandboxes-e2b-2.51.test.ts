import * as sdk from "e2b";
import { e2bSdkSuite } from "./helpers/e2b-sdk-suite.js";

// e2b 2.51 (npm latest): POST /v2/sandboxes and /v2/sandboxes/{id}/connect.
e2bSdkSuite("2.51", sdk);
