// The floor page's end point (see writeFloor in scripts/bench/bench.mjs): the same mark the app sets
// once its form is rendered and wired. Loaded as a classic script at the end of the body.
performance.mark('tms:ready');
