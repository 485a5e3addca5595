/**
 * Trims the sandbox runtime's launch of one run to what its policy needs. The runtime (srt 0.0.83) hands back one
 * shell string for a host shell, `bwrap <args> -- <sh> -c '<sh> -c <script>'`, whose script starts two socat relays
 * in the sandbox's own network namespace, waits until both listen, then runs `<sh> -c <command>` under its seccomp
 * helper. The relays cost ~7 ms of every call and are needed only when the run may reach a host.
 *
 * So the string is read back into words (the runtime's `quote` makes bare and single-quoted words only; anything
 * else is refused here) and bubblewrap is launched directly, with the script run by one shell instead of two. When
 * the run's allow list is empty, the relays go too, as the runtime itself does for "network restricted, no proxy":
 * `--unshare-net` (no network at all) with the same filesystem, namespace and capability arguments, the proxy
 * socket's bind left out and the proxy variables unset (so an owner's own proxy settings do not leak in either), and
 * the seccomp helper running the program itself, with the variables the command line set (`SRT_ALLOW_NESTED_USERNS`
 * last, as the runtime's line sets it). Nothing is added and no restriction is taken away. A string of any other
 * shape gives `null`, and the caller launches the runtime's string unchanged.
 * @module
 */
import { basename } from "node:path";

export interface DirectLaunch {
  command: string;
  args: string[];
}

/** The shell the runtime was asked to use inside (`/bin/sh`), and whether this run may reach any host. */
export interface DirectLaunchOptions {
  shell: string;
  network: boolean;
  /**
   * The command as it was given to the runtime (`script`, run by `shell -c`) and the same command as a program, its
   * arguments and the variables the script set before `exec`. Without relays to start first, the seccomp helper
   * runs the program itself: two shells fewer.
   */
  command?: { script: string; argv: string[]; env: Record<string, string> };
}

/** The line of the runtime's script that runs the command under its seccomp helper (see srt's buildSandboxCommand). */
const SECCOMP_LINE = /^SRT_ALLOW_NESTED_USERNS=0 \S*apply-seccomp /;
/** A Unix socket of the runtime's network bridge, bound into the sandbox for the relays. */
const BRIDGE_SOCKET = /\/claude-(http|socks)-[0-9a-f]+\.sock$/;
/** Variables the runtime sets to send traffic to its proxy. */
const PROXY_VARIABLE = /proxy/i;
const PROXY_HELPERS = new Set(["GIT_SSH_COMMAND", "JAVA_TOOL_OPTIONS", "GIT_CONFIG_PARAMETERS"]);

export function directLaunch(shellCommand: string, options: DirectLaunchOptions): DirectLaunch | null {
  const words = splitQuotedWords(shellCommand);
  // The runtime passes very long profiles through a file and a shell (`/bin/sh -c 'exec 3<…'`): left as they are.
  if (!words || basename(words[0] ?? "") !== "bwrap") return null;
  const n = words.length;
  if (words[n - 4] !== "--" || words[n - 3] !== options.shell || words[n - 2] !== "-c") return null;
  const [command, ...args] = words;
  // The runtime's last word is `<shell> -c <script>`, itself run by `<shell> -c`: one shell is enough.
  const script = splitQuotedWords(words[n - 1]!);
  if (script?.length !== 3 || script[0] !== options.shell || script[1] !== "-c") return null;
  if (options.network) return { command: command!, args: [...args.slice(0, -1), script[2]!] };
  const seccompLine = script[2]!.split("\n").at(-1)!;
  if (!SECCOMP_LINE.test(seccompLine) || !args.includes("--unshare-net")) return null;
  const confined = withoutProxy(args.slice(0, -4));
  // `SRT_ALLOW_NESTED_USERNS=0 <apply-seccomp> <shell> -c <script>`: the variable set last, as the line sets it.
  const [assignment, helper, shell, flag, given] = splitQuotedWords(seccompLine) ?? [];
  const run = options.command;
  if (run && assignment && helper && shell === options.shell && flag === "-c" && given === run.script) {
    const env = Object.entries(run.env).flatMap(([name, value]) => ["--setenv", name, value]);
    const [name, value] = assignment.split("=");
    return {
      command: command!,
      args: [...confined, ...env, "--setenv", name!, value!, "--", helper, ...run.argv],
    };
  }
  return { command: command!, args: [...confined, "--", options.shell, "-c", seccompLine] };
}

/** The bwrap arguments without the bridge socket's bind and with the proxy variables unset instead of set. */
function withoutProxy(args: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [word, first, second] = [args[i], args[i + 1], args[i + 2]];
    if (word === "--bind" && first === second && first !== undefined && BRIDGE_SOCKET.test(first)) {
      i += 2;
    } else if (word === "--setenv" && first && (PROXY_VARIABLE.test(first) || PROXY_HELPERS.has(first))) {
      kept.push("--unsetenv", first);
      i += 2;
    } else {
      kept.push(word!);
    }
  }
  return kept;
}

/**
 * The words of a string made by srt's `quote`: words separated by single spaces, each bare (no shell syntax) or
 * single-quoted, a quote inside written `'"'"'`. Returns null for anything else (expansions, operators, escapes),
 * so a string this cannot read exactly is never launched differently from how a shell would run it.
 */
export function splitQuotedWords(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " ") {
      if (!inWord) return null; // Two spaces in a row, or a leading one: not what quote makes.
      words.push(word);
      word = "";
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      if (text.slice(i, i + 3) !== `"'"`) return null;
      word += "'";
      i += 2;
      inWord = true;
    } else if (/[A-Za-z0-9_./:=@+,-]/.test(c)) {
      word += c;
      inWord = true;
    } else {
      return null;
    }
  }
  if (!inWord) return null;
  words.push(word);
  return words;
}
