"""What the journeys do again and again: check a page's accessibility and reflow, sign in."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Rules we accept as failing, each limited to some pages and some part of them, with the
# reason. Everything not listed here must pass on every page checked. Each entry:
#   rule id: [(path pattern, container, reason)]
# path pattern: a regular expression matched against the page's path; container: a CSS
# selector. An exception covers a violation only when every failing element is inside a
# matching container. There is none: the employer and staff sites pass like the rest.
ACCEPTED: dict[str, list[tuple[str, str, str]]] = {}

_axe = Axe()

# True when the element axe points at sits inside the container.
_INSIDE = """([target, container]) => {
  const element = document.querySelector(target);
  return Boolean(element && element.closest(container));
}"""


def _selector(node: dict) -> str:
    return " ".join(str(part) for part in node["target"])


def accepted(page: Page, violation: dict, path: str) -> str | None:
    """The documented reason a violation may stand on this page, if there is one."""
    for path_pattern, container, reason in ACCEPTED.get(violation["id"], []):
        if re.search(path_pattern, path) and all(
            len(node["target"]) == 1 and page.evaluate(_INSIDE, [str(node["target"][0]), container])
            for node in violation["nodes"]
        ):
            return reason
    return None


def check_accessibility(page: Page) -> None:
    """axe-core with the WCAG 2.x A and AA rules finds nothing on the page as it is now."""
    problems = getattr(page.context, "e2e_problems", None)
    if problems is not None:
        problems.quiet = True
    try:
        results = _axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        # Let the events axe caused arrive while they are still ignored.
        page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
    finally:
        if problems is not None:
            problems.quiet = False
    path = re.sub(r"^https?://[^/]+", "", page.url)
    problems = []
    for violation in results.response["violations"]:
        if accepted(page, violation, path):
            continue
        targets = "; ".join(_selector(node) for node in violation["nodes"][:5])
        problems.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} element(s): {targets}]"
        )
    assert not problems, f"Accessibility violations on {path}:\n" + "\n".join(problems)


def check_reflow(page: Page, width: int = 320) -> None:
    """At `width` CSS pixels the page needs no horizontal scrolling (WCAG 1.4.10)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 640})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = page.evaluate(
                """(width) => [...document.querySelectorAll('body *')]
                    .filter((el) => el.getBoundingClientRect().right > width + 1)
                    .slice(0, 5)
                    .map((el) => el.tagName.toLowerCase()
                        + (el.id ? '#' + el.id : '')
                        + (el.className && typeof el.className === 'string'
                            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))""",
                width,
            )
            raise AssertionError(
                f"{page.url} is {scroll_width}px wide at {width}px; too wide: {culprits}"
            )
    finally:
        page.set_viewport_size(size)


def check_page(page: Page, *, reflow: bool = True) -> None:
    """The checks every page in the journeys gets: accessibility, and reflow at 320 px."""
    check_accessibility(page)
    if reflow:
        check_reflow(page)


#: The widths every employer and staff page is checked at: a desk, and a phone (WCAG 1.4.10).
ADMIN_WIDTHS = (1280, 320)


def check_admin_page(page: Page) -> None:
    """The employer and staff sites: accessibility at a desk's and a phone's width, and no
    sideways scrolling at 320 px (wide lists scroll inside their own box, not the page)."""
    size = page.viewport_size
    try:
        for width in ADMIN_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            check_accessibility(page)
        check_reflow(page)
    finally:
        page.set_viewport_size(size)


def snapshot(page: Page, step: str) -> None:
    """Photograph the page at a step of a journey; kept with the artefacts if the test fails."""
    steps = getattr(page.context, "e2e_steps", None)
    if steps is not None:
        steps.append((re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-"), page.screenshot()))


def sign_in(page: Page, email: str, password: str) -> None:
    """From wherever the page is, use the header's "Sign in" link and sign in."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    fill_sign_in_form(page, email, password)


def fill_sign_in_form(page: Page, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    # Each role lands where its work is: the site, the employer site or the staff site.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()


# --- Keyboard ---------------------------------------------------------------------------------

# What has focus, whether its focus indicator shows, and whether anything covers it.
_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ring = Boolean(style.boxShadow && style.boxShadow !== "none");
  const rect = el.getBoundingClientRect();
  const inView = rect.width > 0 && rect.height > 0 && rect.bottom > 0
    && rect.top < innerHeight && rect.right > 0 && rect.left < innerWidth;
  let covered = null;
  if (inView) {
    const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(rect.top + Math.min(rect.height / 2, 12), 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    const mine = (node) => node && (node === el || el.contains(node)
      || [...(el.labels || [])].some((label) => label.contains(node)));
    covered = mine(top) ? null : (top ? top.tagName.toLowerCase() + (top.className ? "." + top.className : "") : "nothing");
  }
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const name = (el.getAttribute("aria-label") || label || el.innerText || el.value || el.name || "").trim();
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    name: name.replace(/\\s+/g, " "),
    visible: outline || ring,
    inView,
    covered,
  };
}"""


def focused(page: Page) -> dict | None:
    """The focused element, checked: its focus indicator shows and nothing hides it."""
    state = page.evaluate(_FOCUS_STATE)
    if state is None:
        return None
    where = f"{state['tag']} “{state['name'][:60]}” on {page.url}"
    assert state["inView"], f"Focus is off screen: {where}"
    assert state["visible"], f"Focus is not visible on {where}"
    assert state["covered"] is None, f"Focus on {where} is hidden behind {state['covered']}"
    return state


def press_until(page: Page, key: str, name: str | re.Pattern, *, limit: int = 80) -> dict:
    """Press `key` (Tab or Shift+Tab) until the focused element's name matches `name`.

    Every element focused on the way must show its focus and be uncovered.
    """
    pattern = name if isinstance(name, re.Pattern) else re.compile(re.escape(name))
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        state = focused(page)
        if state is None:
            continue
        if pattern.search(state["name"]):
            return state
        seen.append(state["name"][:40])
    raise AssertionError(
        f"{key} never reached {pattern.pattern!r} on {page.url}; went through {seen}"
    )
