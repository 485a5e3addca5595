/** The sign-in screen: paste a token; a refusal says why, with its code. */
import { h, replace } from "../dom.ts";
import { errorBox } from "../ui.ts";

export function renderSignIn(
  app: HTMLElement,
  submit: (token: string) => Promise<void>,
  failure?: unknown,
): void {
  const input = h("input", {
    id: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "am_…",
  });
  const status = h("div", { "aria-live": "polite" }, failure ? errorBox(failure) : null);
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin" },
    h("h1", null, h("span", { class: "logo", "aria-hidden": "true" }), "Agent Mesh"),
    h(
      "p",
      { class: "muted" },
      "Sign in with your gateway token. It stays in this tab and is only sent to this gateway.",
    ),
    h("div", { class: "field" }, h("label", { for: "token" }, "Token"), input),
    status,
    button,
    h(
      "p",
      { class: "muted small" },
      "No token? Your gateway admin creates one with ",
      h("code", null, "POST /v1/tokens"),
      ".",
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(status);
    try {
      await submit(input.value);
    } catch (error) {
      replace(status, errorBox(error));
      input.focus();
      input.select();
    } finally {
      button.disabled = false;
    }
  });
  replace(app, h("main", { class: "center" }, form));
  input.focus();
}
