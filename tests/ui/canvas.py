"""Reading what a chart drew: pixels of ``<canvas>`` elements, from inside the page."""

from __future__ import annotations

from typing import Any, Final

# For each canvas matching the selector: how many pixels differ from its corner
# pixel (the background), and a checksum of all pixels (changes when the drawing does).
# Copying into a 2D canvas first reads WebGL canvases as well as 2D ones.
_READ: Final = """selector => [...document.querySelectorAll(selector)].map(canvas => {
  if (!canvas.width || !canvas.height) return {inked: 0, sum: 0};
  const copy = document.createElement("canvas");
  copy.width = canvas.width; copy.height = canvas.height;
  const ctx = copy.getContext("2d");
  ctx.drawImage(canvas, 0, 0);
  const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
  let inked = 0, sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]
        || data[i + 3] !== data[3]) inked++;
    sum = (sum * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + data[i + 3]) % 1000000007;
  }
  return {inked, sum};
})"""
INK_THRESHOLD: Final = 50  # a drawn line, not a stray pixel


def canvases(page: Any, selector: str) -> list[dict[str, int]]:
    """``{"inked", "sum"}`` of each canvas matching *selector*."""
    result: list[dict[str, int]] = page.evaluate(_READ, selector)
    return result


def wait_until_drawn(page: Any, selector: str, timeout: float = 10_000) -> list[dict[str, int]]:
    """Wait until every canvas matching *selector* (at least one) has something drawn."""
    page.wait_for_function(
        f"""selector => {{ const all = ({_READ})(selector);
            return all.length > 0 && all.every(c => c.inked > {INK_THRESHOLD}); }}""",
        arg=selector,
        timeout=timeout,
        polling=200,
    )
    return canvases(page, selector)


def wait_until_changed(page: Any, selector: str, before: int, timeout: float = 10_000) -> None:
    """Wait until the first canvas matching *selector* no longer has checksum *before*."""
    page.wait_for_function(
        f"""([selector, before]) => {{ const all = ({_READ})(selector);
            return all.length > 0 && all[0].sum !== before; }}""",
        arg=[selector, before],
        timeout=timeout,
        polling=200,
    )
