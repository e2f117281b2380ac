"""Text helpers: white-space folding and width estimates for Chinese/Latin labels."""

from __future__ import annotations

import unicodedata


def fold_space(text: str | None) -> str:
    """Fold every run of white space (line breaks included) into one space and trim."""
    return " ".join((text or "").split())


def char_em(ch: str) -> float:
    """Estimated advance of one character in em: CJK and full-width ≈ 1, Latin ≈ 0.55."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.3
    return 0.55


def text_em(text: str) -> float:
    return sum(char_em(ch) for ch in text)


def wrap(text: str, max_em: float, max_lines: int | None = None) -> list[str]:
    """Wrap ``text`` into lines of at most ``max_em`` em.

    CJK text may break between any two characters; Latin words are kept whole where
    they fit.  Lines past ``max_lines`` are dropped and the last kept line ends in "…".
    """
    text = fold_space(text)
    if not text:
        return [""]
    tokens: list[str] = []
    word = ""
    for ch in text:
        if char_em(ch) == 1.0 or ch == " ":
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    lines: list[str] = []
    line = ""
    for tok in tokens:
        if tok == " " and not line:
            continue
        if text_em(line + tok) <= max_em:
            line += tok
            continue
        if line:
            lines.append(line.rstrip())
            line = "" if tok == " " else tok
        else:
            line = tok
        while text_em(line) > max_em and len(line) > 1:  # a word longer than a line
            cut = len(line)
            while cut > 1 and text_em(line[:cut]) > max_em:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_em(last + "…") > max_em:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines
