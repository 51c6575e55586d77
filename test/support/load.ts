// The load generator is product code (the resilience harness uses it); tests import it from here as before.
export * from "../../src/load/load.ts";
