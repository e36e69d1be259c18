"""A small, safe arithmetic language for regulation files: numbers (optionally ``EUR``), names
from a fixed set, ``+ - * /``, parentheses and unary minus. Parsed once by a recursive-descent
parser into closures over ``Decimal``; file text is never handed to ``eval``."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Literal

REFERENCE_NAMES = frozenset({"social_pension", "IAS", "minimum_wage"})
HOUSEHOLD_NAMES = frozenset(
    {
        "annual_income",
        "monthly_income",
        "annual_expenses",
        "monthly_expenses",
        "members",
        "weighted_members",
        "adults",
        "minors",
    }
)

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|<|[-+*/()]))")

Evaluator = Callable[[Mapping[str, Decimal]], Decimal]


class ExpressionError(ValueError):
    """Bad syntax, an unknown name, or an impossible computation (division by zero)."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: its source text, the names it reads and a compiled evaluator."""

    text: str
    names: frozenset[str]
    evaluator: Evaluator
    constant: Decimal | None = None

    def __call__(self, values: Mapping[str, Decimal]) -> Decimal:
        return self.evaluator(values)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Comparison:
    """A threshold: ``<=`` or ``<`` followed by an expression."""

    text: str
    operator: Literal["<=", "<"]
    bound: Expression

    def holds(self, value: Decimal, bound: Decimal) -> bool:
        return value <= bound if self.operator == "<=" else value < bound

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class _Node:
    evaluator: Evaluator
    names: frozenset[str]
    constant: Decimal | None


class _Parser:
    def __init__(self, text: str, allowed: Collection[str]) -> None:
        self.text = text
        self.allowed = allowed
        self.tokens = self._tokenise(text)
        self.pos = 0

    @staticmethod
    def _tokenise(text: str) -> list[tuple[str, str, int]]:
        tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                bad = text[pos:].lstrip()[:1]
                raise ExpressionError(f"unexpected character {bad!r} at position {pos + 1}")
            number, name, symbol = match.groups()
            start = match.start(match.lastindex or 0)
            if number is not None:
                tokens.append(("number", number, start))
            elif name is not None:
                tokens.append(("name", name, start))
            else:
                tokens.append(("symbol", symbol, start))
            pos = match.end()
        return tokens

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str, int]:
        token = self._peek()
        if token is None:
            raise ExpressionError("unexpected end of expression")
        self.pos += 1
        return token

    def _fail(self, what: str) -> ExpressionError:
        token = self._peek()
        if token is None:
            return ExpressionError(f"expected {what}, found the end of the expression")
        return ExpressionError(f"expected {what}, found {token[1]!r} at position {token[2] + 1}")

    def parse_comparison(self) -> tuple[Literal["<=", "<"], _Node]:
        token = self._peek()
        if token is None or token[1] not in ("<=", "<"):
            raise self._fail("'<=' or '<' followed by an amount, e.g. '<= social_pension'")
        self.pos += 1
        return ("<=" if token[1] == "<=" else "<"), self.parse_all()

    def parse_all(self) -> _Node:
        node = self._sum()
        if self._peek() is not None:
            raise self._fail("an operator (+ - * /) or the end of the expression")
        return node

    def _sum(self) -> _Node:
        node = self._product()
        while (token := self._peek()) is not None and token[1] in ("+", "-"):
            self.pos += 1
            node = _binary(token[1], node, self._product())
        return node

    def _product(self) -> _Node:
        node = self._unary()
        while (token := self._peek()) is not None and token[1] in ("*", "/"):
            self.pos += 1
            node = _binary(token[1], node, self._unary())
        return node

    def _unary(self) -> _Node:
        token = self._peek()
        if token is not None and token[1] == "-":
            self.pos += 1
            inner = self._unary()
            if inner.constant is not None:
                return _const(-inner.constant)
            inner_eval = inner.evaluator
            return _Node(lambda env: -inner_eval(env), inner.names, None)
        return self._primary()

    def _primary(self) -> _Node:
        token = self._peek()
        if token is None:
            raise self._fail("a number, a name or '('")
        kind, value, position = token
        if kind == "number":
            self.pos += 1
            nxt = self._peek()
            if nxt is not None and nxt[0] == "name" and nxt[1] == "EUR":
                self.pos += 1
            return _const(Decimal(value))
        if kind == "name":
            self.pos += 1
            if value not in self.allowed:
                allowed = ", ".join(sorted(self.allowed)) or "none here"
                raise ExpressionError(f"unknown name {value!r}; allowed names: {allowed}")
            return _Node(lambda env: env[value], frozenset({value}), None)
        if value == "(":
            self.pos += 1
            node = self._sum()
            if (close := self._peek()) is None or close[1] != ")":
                raise self._fail("')'")
            self.pos += 1
            return node
        raise ExpressionError(
            f"expected a number, a name or '(', found {value!r} at position {position + 1}"
        )


def _const(value: Decimal) -> _Node:
    return _Node(lambda env: value, frozenset(), value)


def _divide(left: Decimal, right: Decimal) -> Decimal:
    try:
        return left / right
    except (DivisionByZero, InvalidOperation):
        raise ExpressionError("division by zero") from None


_OPERATIONS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
}


def _binary(symbol: str, left: _Node, right: _Node) -> _Node:
    operation = _OPERATIONS[symbol]
    if symbol == "/" and right.constant is not None and right.constant == 0:
        raise ExpressionError("division by zero")
    if left.constant is not None and right.constant is not None:
        return _const(operation(left.constant, right.constant))
    lf, rf = left.evaluator, right.evaluator
    if symbol == "+":
        evaluator: Evaluator = lambda env: lf(env) + rf(env)  # noqa: E731
    elif symbol == "-":
        evaluator = lambda env: lf(env) - rf(env)  # noqa: E731
    elif symbol == "*":
        evaluator = lambda env: lf(env) * rf(env)  # noqa: E731
    else:
        evaluator = lambda env: _divide(lf(env), rf(env))  # noqa: E731
    return _Node(evaluator, left.names | right.names, None)


def _source(text: object) -> str:
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise ExpressionError('expected an expression written as text, e.g. "0.5 * IAS"')
    source = str(text).strip()
    if not source:
        raise ExpressionError("expected an expression, found an empty text")
    return source


def parse_expression(text: object, allowed: Collection[str]) -> Expression:
    """Parse ``text`` reading only ``allowed`` names; raise ExpressionError otherwise."""
    source = _source(text)
    node = _Parser(source, allowed).parse_all()
    return Expression(source, node.names, node.evaluator, node.constant)


def parse_comparison(text: object, allowed: Collection[str]) -> Comparison:
    """Parse a threshold such as ``<= 0.5 * IAS`` or ``< 300 EUR``."""
    source = _source(text)
    operator, node = _Parser(source, allowed).parse_comparison()
    bound_text = source[len(operator) :].strip()
    bound = Expression(bound_text, node.names, node.evaluator, node.constant)
    return Comparison(source, operator, bound)
