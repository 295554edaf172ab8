#!/usr/bin/env node
// The `mqttx` command line. The implementation lives in src/cli (compiled to dist/cli).
import '../dist/cli/main.js';
