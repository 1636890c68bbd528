"""GNU gettext plural forms: a safe parser, and the default rule for a language.

A catalog's `Plural-Forms` header (`nplurals=3; plural=(n%10==1 ? 0 : ...);`) is a C expression in
one variable. Translators' tools evaluate it; we never `eval` it: a recursive-descent parser of the
grammar GNU gettext accepts (`plural.y`: `?:`, `||`, `&&`, `== !=`, `< > <= >=`, `+ -`, `* / %`,
`!`, `n`, numbers, parentheses) builds a tree that is evaluated with integer arithmetic. Anything
else (names, calls, strings, deep nesting) is refused with the reason.

The default rule of a language, the one `init` writes, comes from one source of truth, in order:

1. what GNU `msginit` writes for it (the rule translators' tools expect);
2. else CLDR's own rule for the language (through Babel), converted to gettext syntax;
3. else a row of `plurals.toml` beside this module, which names where it comes from.

After `init`, the catalog's own header is the truth; `check` compares it with the default.
"""

from __future__ import annotations

import operator
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from . import gnu
from .errors import CatalogError

OVERRIDES = Path(__file__).with_name("plurals.toml")
MAX_LENGTH = 1000  # characters of a Plural-Forms value
MAX_DEPTH = 64  # nesting of parentheses and operators
MAX_FORMS = 6  # CLDR's categories: zero, one, two, few, many, other
# The numbers two rules are compared on: every count a handout could show, and the large round
# numbers where some languages change form (CLDR's "many" for millions).
SAMPLES: tuple[int, ...] = (*range(0, 1001), *(10**k for k in range(4, 10)), 1_000_001, 2_000_000)
# The numbers every rule is checked on when a catalog is read (each build reads every catalog):
# all the last two digits can do, and the round numbers.
CHECKED: tuple[int, ...] = (*range(0, 120), *(10**k for k in range(3, 10)))
UNSIGNED_LONG = 2**64  # GNU gettext evaluates in C `unsigned long int`


class PluralFormsError(ValueError):
    """A `Plural-Forms` value that does not parse, or gives a form outside 0..nplurals-1."""


# --- the expression -----------------------------------------------------------------------------

TOKEN_RE = re.compile(r"\s*(?:(?P<number>\d+)|(?P<name>[A-Za-z_]\w*)|(?P<op>\|\||&&|==|!=|<=|>=|[-+*/%<>!?:()]))")
BINARY = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression: `op` is `n`, `num`, `!`, `?:` or a binary operator."""

    op: str
    args: tuple[Node, ...] = ()
    value: int = 0

    def evaluate(self, n: int) -> int:
        op = self.op
        if op == "n":
            return n
        if op == "num":
            return self.value
        if op == "!":
            return int(not self.args[0].evaluate(n))
        if op == "?:":
            condition, yes, no = self.args
            return yes.evaluate(n) if condition.evaluate(n) else no.evaluate(n)
        a = self.args[0].evaluate(n)
        if op == "||":
            return int(bool(a) or bool(self.args[1].evaluate(n)))
        if op == "&&":
            return int(bool(a) and bool(self.args[1].evaluate(n)))
        b = self.args[1].evaluate(n)
        if op in ("/", "%") and b == 0:
            raise PluralFormsError(f"division by zero for n = {n}")
        return int(OPERATORS[op](a, b)) % UNSIGNED_LONG


OPERATORS: dict[str, Callable[[int, int], int | bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.floordiv,
    "%": operator.mod,
}


class Parser:
    """Recursive descent over the tokens of one expression, depth-limited."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = TOKEN_RE.match(text, position)
            if match is None or match.end() == position:
                raise PluralFormsError(f"unexpected character {text[position:].lstrip()[:1]!r} in the expression")
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.position = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise PluralFormsError("the expression ends too early")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, op: str) -> None:
        kind, value = self.take()
        if (kind, value) != ("op", op):
            raise PluralFormsError(f"expected {op!r}, found {value!r}")

    def parse(self) -> Node:
        node = self.conditional()
        if self.position != len(self.tokens):
            raise PluralFormsError(f"unexpected {self.tokens[self.position][1]!r} after the expression")
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PluralFormsError(f"the expression is nested more than {MAX_DEPTH} levels deep")

    def conditional(self) -> Node:
        self.enter()
        condition = self.binary(0)
        if self.peek() == "?":
            self.take()
            yes = self.conditional()
            self.expect(":")
            no = self.conditional()
            condition = Node("?:", (condition, yes, no))
        self.depth -= 1
        return condition

    def binary(self, level: int) -> Node:
        if level == len(BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in BINARY[level]:
            _, op = self.take()
            left = Node(op, (left, self.binary(level + 1)))
        return left

    def unary(self) -> Node:
        kind, value = self.take()
        if (kind, value) == ("op", "!"):
            self.enter()
            node = Node("!", (self.unary(),))
            self.depth -= 1
            return node
        if (kind, value) == ("op", "("):
            node = self.conditional()
            self.expect(")")
            return node
        if kind == "number":
            return Node("num", value=int(value) % UNSIGNED_LONG)
        if kind == "name":
            if value != "n":
                raise PluralFormsError(f"unknown name {value!r}: the only variable is n")
            return Node("n")
        raise PluralFormsError(f"unexpected {value!r}")


# --- the header value -----------------------------------------------------------------------------

HEADER_RE = re.compile(r"^\s*nplurals\s*=\s*(?P<nplurals>\d+)\s*;\s*plural\s*=\s*(?P<plural>.*?)\s*;?\s*$", re.S)


@dataclass(frozen=True)
class PluralRule:
    """A parsed `Plural-Forms` value."""

    nplurals: int
    expression: Node
    text: str

    def form(self, n: int) -> int:
        return self.expression.evaluate(n)

    @cached_property
    def forms(self) -> tuple[int, ...]:
        """The form of every sample number."""
        return tuple(self.form(n) for n in SAMPLES)

    def same_as(self, other: PluralRule) -> bool:
        """Whether two rules pick the same form for every sample number."""
        return self.nplurals == other.nplurals and self.forms == other.forms

    def first_difference(self, other: PluralRule) -> int | None:
        for n in SAMPLES:
            if self.form(n) != other.form(n):
                return n
        return None


@cache
def parse_plural_forms(text: str) -> PluralRule:
    """Parse and validate `nplurals=N; plural=EXPR;`: every sample number must give 0..N-1.
    (Cached: the catalogs of a locale share one rule, and every build reads them.)"""
    if len(text) > MAX_LENGTH:
        raise PluralFormsError(f"longer than {MAX_LENGTH} characters")
    match = HEADER_RE.match(text)
    if match is None:
        raise PluralFormsError("not of the form `nplurals=N; plural=EXPRESSION;`")
    nplurals = int(match["nplurals"])
    if not 1 <= nplurals <= MAX_FORMS:
        raise PluralFormsError(f"nplurals={nplurals}: a language has 1 to {MAX_FORMS} plural forms")
    rule = PluralRule(nplurals, Parser(match["plural"]).parse(), " ".join(text.split()))
    for n in CHECKED:
        form = rule.form(n)
        if not 0 <= form < nplurals:
            raise PluralFormsError(f"for n = {n} the expression gives form {form}, but nplurals is {nplurals}")
    return rule


# --- the default rule of a language ---------------------------------------------------------------


@dataclass(frozen=True)
class DefaultPluralForms:
    """The Plural-Forms `init` writes for a language, and where it comes from."""

    text: str
    source: str


@cache
def msginit_plural_forms(gettext_name: str) -> str | None:
    """What GNU `msginit` writes as Plural-Forms for a locale, or None where it writes none.

    msginit's table of rules is part of the program, so its answer is kept in the user-wide cache
    under the program file's stamp: a cold check runs no msginit per language."""
    from .buildcache import code_digest, file_stamp, kept

    if not re.fullmatch(r"[A-Za-z]{2,8}(?:_[A-Za-z0-9]{2,8})*", gettext_name):
        return None
    program = Path(gnu.executable("msginit")).resolve()
    key = [code_digest(Path(__file__)), str(program), file_stamp(program), gettext_name]
    return kept("plurals", "msginit", key, lambda: run_msginit_plural_forms(gettext_name), decode=rule_text)


def rule_text(value: object) -> str | None:
    """A stored Plural-Forms text (None where there is no rule); anything else is no rule text."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError("not a stored plural rule")


def run_msginit_plural_forms(gettext_name: str) -> str | None:
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "plural.pot"
        pot.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")
        try:
            text = gnu.msginit(pot, gettext_name)
        except CatalogError:  # msginit does not know the locale
            return None
    header = "".join(re.findall(r'^"(.*)"$', text, flags=re.M))
    match = re.search(r"Plural-Forms: (.*?)\\n", header)
    return " ".join(match.group(1).split()) if match else None


def cldr_plural_forms(babel_name: str) -> str | None:
    """CLDR's own plural rule for the language, as gettext syntax; None where Babel has only a rule
    inherited from root or from another language (Haitian Creole inherits French's). Kept in the
    user-wide cache for each Babel release (see `buildcache.kept`)."""
    import babel

    from .buildcache import code_digest, kept

    key = [code_digest(Path(__file__)), babel.__version__, babel_name]
    return kept("plurals", "cldr", key, lambda: read_cldr_plural_forms(babel_name), decode=rule_text)


def read_cldr_plural_forms(babel_name: str) -> str | None:
    import babel
    from babel.core import get_global
    from babel.localedata import load

    language = babel_name.split("_")[0]
    parent = get_global("parent_exceptions").get(language, "root")
    rule = load(babel_name).get("plural_form")
    # Babel merges a locale's data over its parent's, so an inherited rule is the same object.
    if rule is None or rule is load(parent).get("plural_form"):
        return None
    converted = to_gettext(babel.Locale.parse(babel_name).plural_form)
    rule = parse_plural_forms(converted)
    simplified = PluralRule(rule.nplurals, fold(rule.expression), "")
    text = f"nplurals={rule.nplurals}; plural=({to_c(simplified.expression)});"
    assert parse_plural_forms(text).same_as(rule), (converted, text)
    return text


def to_gettext(rule: object) -> str:
    """Babel's `to_gettext`, with CLDR's exponent operands (`c`, `e`) as 0, their value for the
    whole numbers gettext counts with: Babel 2.18 writes them as undefined names `c` and `e`."""
    from babel import plural

    class IntegerCompiler(plural._GettextCompiler):
        compile_c = plural.compile_zero
        compile_e = plural.compile_zero

    parsed = plural.PluralRule.parse(rule)  # type: ignore[arg-type]
    used = parsed.tags | {plural._fallback_tag}
    index = [tag for tag in plural._plural_tags if tag in used].index
    compile_ = IntegerCompiler().compile
    parts = [f"{compile_(ast)} ? {index(tag)} : " for tag, ast in parsed.abstract]  # type: ignore[no-untyped-call]
    return f"nplurals={len(used)}; plural=({''.join(parts)}{index(plural._fallback_tag)});"


# --- writing a rule back, simplified -----------------------------------------------------------------

PRECEDENCE = {"?:": 0, "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4}
PRECEDENCE |= {"+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "!": 7, "n": 8, "num": 8}
BOOLEAN = {"==", "!=", "<", ">", "<=", ">=", "&&", "||", "!"}


def is_boolean(node: Node) -> bool:
    return node.op in BOOLEAN or (node.op == "num" and node.value in (0, 1))


def fold(node: Node) -> Node:
    """The same rule with constant parts worked out: CLDR's operands that are 0 for whole numbers
    (`v`, `f`, `e`) leave `(0 == 0) && ...` and `!(0 == 0) && ...` behind in Babel's conversion."""
    if node.op in ("n", "num"):
        return node
    args = tuple(fold(arg) for arg in node.args)
    node = Node(node.op, args, node.value)
    if all(arg.op == "num" for arg in args):
        try:
            return Node("num", value=node.evaluate(0))
        except PluralFormsError:
            return node
    if node.op == "?:" and args[0].op == "num":
        return args[1] if args[0].value else args[2]
    if node.op in ("&&", "||"):
        absorbing = 0 if node.op == "&&" else 1
        for constant, other in ((args[0], args[1]), (args[1], args[0])):
            if constant.op == "num":
                if bool(constant.value) == bool(absorbing):
                    return Node("num", value=absorbing)
                if is_boolean(other):
                    return other
    return node


def to_c(node: Node, context: int = 0) -> str:
    """C syntax with only the parentheses the precedence needs."""
    if node.op == "n":
        return "n"
    if node.op == "num":
        return str(node.value)
    level = PRECEDENCE[node.op]
    if node.op == "!":
        text = "!" + to_c(node.args[0], level)
    elif node.op == "?:":
        condition, yes, no = node.args
        text = f"{to_c(condition, 1)} ? {to_c(yes, 0)} : {to_c(no, 0)}"
    else:
        left, right = node.args
        text = f"{to_c(left, level)} {node.op} {to_c(right, level + 1)}"
    return f"({text})" if level < context else text


@dataclass(frozen=True)
class Override:
    plural_forms: str
    source: str


@cache
def overrides(path: Path = OVERRIDES) -> dict[str, Override]:
    """The override table: language -> rule and where it comes from."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {language: Override(row["plural_forms"], row["source"]) for language, row in data.items()}


def default_plural_forms(gettext_name: str, babel_name: str) -> DefaultPluralForms | None:
    """The Plural-Forms for a new catalog: msginit's, else CLDR's, else the override table's."""
    found = msginit_plural_forms(gettext_name)
    if found is not None:
        return DefaultPluralForms(found, "GNU msginit")
    found = cldr_plural_forms(babel_name)
    if found is not None:
        return DefaultPluralForms(found, "CLDR (Babel)")
    table = overrides()
    parts = gettext_name.split("_")
    for k in range(len(parts), 0, -1):
        row = table.get("_".join(parts[:k]))
        if row is not None:
            return DefaultPluralForms(row.plural_forms, f"{OVERRIDES.name}: {row.source}")
    return None
