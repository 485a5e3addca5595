// Runs before `npm test`: installs the Debian packages the suites need when this machine can (root and
// apt-get), so a fresh clone passes as it is. Without root or apt-get it installs nothing: each suite whose
// package is missing prints one SKIPPED line instead, and fails when CI sets its REQUIRE_* variable.
import { spawnSync } from "node:child_process";

/** command on PATH → Debian package, with the suites that need it. */
const NEEDED = [
  ["redis-server", "redis-server"], // the redis/upstash store cells
  ["chromium", "chromium"], // the web UI in a real browser
  ["bwrap", "bubblewrap"], // connect --sandbox
  ["socat", "socat"],
  ["rg", "ripgrep"],
  ["curl", "curl"], // sandbox probes
  ["tmux", "tmux"], // the interactive agent-mesh claude|codex|gemini tests
];

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
const missing = NEEDED.filter(([command]) => !has(command)).map(([, pkg]) => pkg);
const canInstall = process.getuid?.() === 0 && has("apt-get");
if (missing.length > 0 && canInstall) {
  console.log(`installing Debian packages the suites need: ${missing.join(" ")}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const install =
    update.status === 0 &&
    spawnSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env }).status === 0;
  if (!install)
    console.warn(`could not install ${missing.join(" ")}: the suites that need them will say SKIPPED`);
}
