/**
 * The web UI's entry: sign-in, the top bar, and a hash router (`#/agents`, `#/chat/<agent>`, `#/tasks`, …), so
 * the gateway serves one page at `/` and every view lives in this module.
 */
import { whenUnauthorized } from "./api.ts";
import { h, replace } from "./dom.ts";
import { me, signIn, signOut, storedToken, takeTokenFromFragment } from "./session.ts";
import { renderAdmin } from "./views/admin.ts";
import { renderChat } from "./views/chat.ts";
import { renderDirectory } from "./views/directory.ts";
import { renderMyAgents } from "./views/my-agents.ts";
import { renderSignIn } from "./views/signin.ts";
import { renderSkill, renderSkills } from "./views/skills.ts";
import { renderTask, renderTasks } from "./views/tasks.ts";

export interface ViewContext {
  root: HTMLElement;
  params: string[];
  /** False once the person navigated away: views stop polling and streaming. */
  alive: () => boolean;
}

type View = (ctx: ViewContext) => void | Promise<void>;

const ROUTES: [RegExp, View][] = [
  [/^\/agents$/, renderDirectory],
  [/^\/chat\/([^/]+)$/, renderChat],
  [/^\/tasks$/, renderTasks],
  [/^\/tasks\/([^/]+)$/, renderTask],
  [/^\/mine$/, renderMyAgents],
  [/^\/skills$/, renderSkills],
  [/^\/skills\/([^/]+)\/([^/]+)$/, renderSkill],
  [/^\/admin$/, renderAdmin],
];

const NAV: [string, string, (() => boolean)?][] = [
  ["#/agents", "Directory"],
  ["#/tasks", "Tasks"],
  ["#/mine", "My agents"],
  ["#/skills", "Skills"],
  ["#/admin", "Admin", () => Boolean(me?.scopes.includes("admin"))],
];

const app = document.getElementById("app")!;
let generation = 0;

function shell(): HTMLElement {
  const main = h("main", { id: "main", tabindex: "-1" });
  const path = location.hash.slice(1);
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    NAV.filter(([, , show]) => !show || show()).map(([href, label]) =>
      h("a", { href, "aria-current": path.startsWith(href.slice(1)) ? "page" : undefined }, label),
    ),
  );
  const who = h(
    "div",
    { class: "who" },
    h(
      "span",
      { class: "user", title: `token ${me?.token_id} · ${me?.scopes.join(", ")}` },
      h("span", { class: "label" }, "Signed in as "),
      h("strong", null, me?.user ?? ""),
    ),
    h(
      "button",
      {
        type: "button",
        class: "ghost small",
        onclick: () => {
          signOut();
          location.hash = "";
          route();
        },
      },
      "Sign out",
    ),
  );
  replace(
    app,
    h(
      "a",
      {
        class: "skip",
        href: "#main",
        onclick: (e: Event) => {
          e.preventDefault();
          main.focus();
        },
      },
      "Skip to content",
    ),
    h(
      "header",
      { class: "top" },
      h(
        "a",
        { class: "brand", href: "#/agents" },
        h("span", { class: "logo", "aria-hidden": "true" }),
        "Agent Mesh",
      ),
      nav,
      who,
    ),
    main,
  );
  return main;
}

let triedStored = false;

/** Signs in from `#token=…` (on load or pasted later) or, once, from this tab's stored token. */
async function ensureSignedIn(): Promise<unknown> {
  const fromFragment = takeTokenFromFragment();
  const token = fromFragment ?? (me || triedStored ? null : storedToken());
  triedStored = true;
  if (!token) return null;
  try {
    await signIn(token);
    return null;
  } catch (error) {
    return error;
  }
}

async function route(): Promise<void> {
  const mine = ++generation;
  const failure = await ensureSignedIn();
  if (mine !== generation) return;
  app.removeAttribute("aria-busy");
  if (!me) {
    renderSignIn(
      app,
      async (token) => {
        await signIn(token);
        if (!ROUTES.some(([re]) => re.test(location.hash.slice(1)))) location.hash = "#/agents";
        else void route();
      },
      failure,
    );
    return;
  }
  let path = location.hash.slice(1);
  if (!ROUTES.some(([re]) => re.test(path))) {
    history.replaceState(null, "", "#/agents");
    path = "/agents";
  }
  const main = shell();
  for (const [re, view] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    const params = m.slice(1).map(decodeURIComponent);
    await view({ root: main, params, alive: () => mine === generation });
    // A new page moves focus to its heading (screen readers announce it) unless the view focused a control.
    if (mine === generation && document.activeElement === document.body)
      main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
    return;
  }
}

whenUnauthorized(() => {
  if (!me) return;
  signOut();
  void route();
});
window.addEventListener("hashchange", () => void route());
void route();
