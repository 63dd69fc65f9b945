#!/usr/bin/env node
// The `wrenn` bin: a file that exists before the build, so `npm install` links it on a fresh
// checkout (npm skips a bin whose target is missing); the command itself is the built dist/.
import "../dist/main.js";
