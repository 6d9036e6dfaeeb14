// Preloaded with `node --require` where GNU time is missing: reports the process's peak memory on stderr at exit.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
