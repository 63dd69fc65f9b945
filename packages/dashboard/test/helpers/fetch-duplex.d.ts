// The fetch standard's `duplex` (streamed request bodies) is in @types/node but not in
// TypeScript's DOM lib, which these tests need for code that runs in the page; the control
// plane's source, type-checked here through @wrenn/control-plane/testing, uses it.
interface RequestInit {
  duplex?: "half";
}
