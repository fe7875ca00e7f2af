"""Find model names inside prose ("responses were generated with GPT-4").

One precompiled regex of *heads* (the leading words of every catalog name: `gpt`, `claude`, `llama`,
`qwen`...) finds where a name could start; everything else is decided by the resolver itself, so prose
and metadata fields can never disagree about what a name means. Around each head:

- the *chain* is the whole run of word characters joined by `- _ . : @ /` (no spaces) that contains it:
  `TheBloke/Llama-2-13B-chat-GPTQ`, `OpenHermes-2.5-Mistral-7B`. A name is never cut out of the middle of
  a chain, so a fine-tune named after its base (`OpenHermes-2.5-Mistral-7B`) is not read as its base.
  Slashes: `org/name` is one name; a longer path or a list (`GPT-3.5/GPT-4/Claude`) is read segment by
  segment; a URL counts only when it is a Hugging Face model page (`huggingface.co/org/name`), not a
  link to docs, code or a dataset;
- up to three more space-separated chains may belong to the name (`Claude 3 Opus`, `GPT-3.5 Turbo`);
- the longest span that resolves (exact, alias or pattern; never fuzzy) wins. Trailing words may be
  dropped, and inside a chain only plain lowercase words (`GPT-4-generated`, `Llama-3-based`), never
  something that may be part of a name (`Mistral-7B-OpenOrca`).

It does not fire on a head inside a word (`ShareGPT`), on a name the catalog lists as a negative
(`GPT-J`, `gpt4all`), on `gpt` or `OpenAI` alone (they resolve to nothing), on catalog prose stopwords
(`command`), or on a bare word followed by a capitalised word (`Claude Shannon`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from tos_check.identity.model import Identity, Mention
from tos_check.identity.names import normal_form

MAX_EXTRA_WORDS = 3
"""Space-separated chains a name may take after its first: `Llama 2 70B Chat` needs three."""

_TOKEN = r"[^\W_]+\+?"
_CHAIN = re.compile(rf"{_TOKEN}(?:[-_.:@/]{_TOKEN})*")
# Words after a space are name words (`Claude 3 Opus`), never paths: a `/` there starts another name.
_NEXT_CHAIN = re.compile(rf"[ \t]{_TOKEN}(?:[-_.:]{_TOKEN})*(?![/@\w])")
_JOINERS = frozenset("-_.:@/")
_DROPPABLE_WORD = re.compile(r"[-_][a-z]+$")
_CAPITALISED_NEXT = re.compile(r"[ \t][A-Z]")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_HF_MODEL_URL = re.compile(r"(?:www\.)?(?:huggingface\.co|hf\.co)/[^/]+/[^/]+", re.IGNORECASE)

Match = Callable[[str], Identity]


class MentionScanner:
    """Scans text for catalog names; built once per resolver from the catalog's heads."""

    def __init__(
        self, heads: Iterable[str], match: Match, is_negative: Callable[[str], bool], stopwords: frozenset[str]
    ) -> None:
        alternatives = _trie({head.lower() for head in heads})
        self._heads = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W\d_])", re.IGNORECASE) if alternatives else None
        self._match = match
        self._is_negative = is_negative
        self._stopwords = stopwords

    def scan(self, text: str) -> list[Mention]:
        if self._heads is None:
            return []
        mentions: list[Mention] = []
        pos = 0
        while (head := self._heads.search(text, pos)) is not None:
            start = _chain_start(text, head.start())
            chain = _CHAIN.match(text, start)
            chain_end = chain.end() if chain is not None else head.end()
            part = next(((s, e) for s, e in _parts(text, start, chain_end) if s <= head.start() < e), None)
            if part is None:  # a link we do not read names from
                pos = chain_end
                continue
            if part[0] < pos:  # the head is inside a part a mention already covered
                pos = head.end()
                continue
            found = self._longest(text, *part)
            if found is None:
                pos = part[1]
                continue
            mentions.append(found)
            pos = found.end
        return mentions

    def _longest(self, text: str, start: int, chain_end: int) -> Mention | None:
        if self._is_negative(text[start:chain_end]):
            return None
        for end in reversed(self._ends(text, start, chain_end)):
            identity = self._match(text[start:end])
            if identity.known and self._plausible(text, start, end):
                return Mention(start=start, end=end, text=text[start:end], identity=identity)
        return None

    def _ends(self, text: str, start: int, chain_end: int) -> list[int]:
        """Where a name starting at `start` may end, shortest first."""
        ends: list[int] = []
        chain = text[start:chain_end]
        while (tail := _DROPPABLE_WORD.search(chain)) is not None:
            chain = chain[: tail.start()]
            ends.append(start + len(chain))
        ends.reverse()
        ends.append(chain_end)
        end = chain_end
        for _ in range(MAX_EXTRA_WORDS):
            following = _NEXT_CHAIN.match(text, end)
            if following is None:
                break
            end = following.end()
            ends.append(end)
        return ends

    def _plausible(self, text: str, start: int, end: int) -> bool:
        """Reject spans that resolve but, in prose, are more likely an ordinary word or another name."""
        normal = normal_form(text[start:end])
        if normal in self._stopwords:
            return False
        bare_word = "-" not in normal and not any(ch.isdigit() for ch in normal)
        return not (bare_word and _CAPITALISED_NEXT.match(text, end))


def _trie(words: set[str]) -> str:
    """One alternation shaped as a prefix tree (`c(?:hat(?:gpt)?|laude|ode...)`): Python's `re` tries the
    branches of a flat alternation one by one at every position, and prose is scanned a sentence at a time,
    so a flat list of ~70 heads was the single largest cost of reading cards."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        ends_here = "" in node
        if len(branches) == 1 and not ends_here:
            return branches[0]
        return f"(?:{'|'.join(branches)})" + ("?" if ends_here else "")

    return pattern(tree)


def _is_url(chain: str) -> bool:
    return "/" in chain and _DOMAIN.fullmatch(chain.split("/", 1)[0]) is not None


def _parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where names may be in a chain: all of it, or its `/`-separated segments (see the module docstring)."""
    chain = text[start:end]
    if "/" not in chain:
        return [(start, end)]
    if _is_url(chain):
        return [(start, end)] if _HF_MODEL_URL.fullmatch(chain) else []
    segments = chain.split("/")
    if len(segments) == 2:
        return [(start, end)]
    spans = []
    for segment in segments:
        spans.append((start, start + len(segment)))
        start += len(segment) + 1
    return spans


def _chain_start(text: str, i: int) -> int:
    """Walk left from a head over `word<joiner>` pairs to where its chain begins."""
    while i >= 2 and text[i - 1] in _JOINERS and text[i - 2].isalnum():
        i -= 1
        while i > 0 and text[i - 1].isalnum():
            i -= 1
    return i
