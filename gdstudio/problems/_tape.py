"""A compiled batch function run in place: a tape of ufunc calls into reused buffers.

:func:`~gdstudio.problems._lambdify.batch_function` returns a numpy function whose every
operation allocates a new array; a sweep calls it hundreds of times on thousands of runs,
and allocating costs about as much as computing. :func:`make_tape` reads that function's
source — printed by sympy from the checked tree, never student text — with :mod:`ast`
(nothing is executed) and lists its operations in the order Python evaluates them: each
is the same numpy ufunc on the same operands, so every value is the same to the last
bit, but writes into a buffer kept from call to call (a buffer is reused once the value
it holds is no longer read), and the outputs go straight into the caller's arrays.

Operations the tape does not know how to run in place (a power ``**``, a numpy function
that is not a float ufunc) are called as the function calls them, and their result kept.
A source of any other shape gives no tape (``None``): the caller uses the function.

The list runs as one small Python function made from it (:meth:`Tape._make_runner`):
its text is only names made from numbers (``v3 = buffers[1]``, ``f2(v0, v3, v4)``);
the ufuncs and constants are bound to those names, never printed.
"""

from __future__ import annotations

import ast
import functools
import inspect
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Tape", "make_tape"]

_BINARY: dict[type, Callable[..., Any]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
}
_PYTHON_BINARY: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[..., Any]] = {ast.USub: np.negative, ast.UAdd: np.positive}
_PYTHON_UNARY: dict[type, Callable[..., Any]] = {ast.USub: operator.neg,
                                                  ast.UAdd: operator.pos}
_FLOAT = np.dtype(float)
# Integers up to this size are floats exactly.
_EXACT_INTEGERS = 2**53
# The most numbers a thread keeps in one tape's buffers between calls (8 MB).
_KEPT_NUMBERS = 1 << 20


class _UnsupportedError(Exception):
    """The source has a shape the tape does not run."""


# An operand: ("arg", i), ("const", value) or ("slot", i).
_Operand = tuple[str, Any]


class Tape:
    """The operations of one batch function, run into buffers kept per thread.

    Parameters
    ----------
    arguments : int
        How many arrays the function takes.
    operations : list
        ``(function, operands, result slot, in place)``, in evaluation order.
    slots : int
        How many values the operations make.
    buffers : dict
        Buffer number of each slot written in place (several slots share a buffer when
        their values do not live at the same time).
    outputs : list
        Each output's operand; ``None`` for one written straight into its destination.
    direct : dict
        The output each slot so written goes to.
    """

    def __init__(
        self, arguments: int, operations: list[tuple[Callable[..., Any], tuple[_Operand, ...],
                                                     int, bool]],
        slots: int, buffers: dict[int, int], outputs: list[_Operand | None],
        direct: dict[int, int],
    ) -> None:
        # Every value lives in one list: the arguments, the constants (each where it is
        # used: 0.0 and -0.0 are equal keys but not the same number), then the slots.
        count = sum(kind == "const" for _, operands, _, _ in operations
                    for kind, _ in operands)
        count += sum(kind == "const" for kind, _ in filter(None, outputs))
        first_slot = arguments + count
        constants: list[Any] = []

        def position(operand: _Operand) -> int:
            kind, value = operand
            if kind == "arg":
                return int(value)
            if kind == "slot":
                return first_slot + int(value)
            constants.append(value)
            return arguments + len(constants) - 1

        # (arity, function, first, second, result): arity 1 or 2 with the result written
        # in place, 0 for a call whose result is kept (``first`` then lists its inputs).
        program: list[tuple[int, Callable[..., Any], Any, int, int]] = []
        for function, operands, slot, in_place in operations:
            where = [position(operand) for operand in operands]
            result = first_slot + slot
            if in_place and len(where) in (1, 2):
                program.append((len(where), function, where[0], where[-1], result))
            else:
                program.append((0, function, tuple(where), 0, result))
        self._program = program
        self._copies = [(output, position(operand)) for output, operand in enumerate(outputs)
                        if operand is not None]
        self._constants = constants
        self._size = first_slot + slots
        self._arguments = arguments
        self._buffers = [(first_slot + slot, buffer) for slot, buffer in buffers.items()]
        self._buffer_count = max(buffers.values(), default=-1) + 1
        self._direct = [(first_slot + slot, output) for slot, output in direct.items()]
        self._local = threading.local()
        self._runner = self._make_runner()

    def run(self, columns: Sequence[np.ndarray], destinations: Sequence[np.ndarray]) -> None:
        """Evaluate at ``columns`` (one ``(K,)`` array per argument) into
        ``destinations`` (one ``(K,)`` array per output, not sharing memory with them)."""
        count = destinations[0].shape[0]
        local = self._local
        if getattr(local, "count", None) == count:
            buffers = local.buffers
        else:
            buffers = [np.empty(count) for _ in range(self._buffer_count)]
            # Kept for the next call unless large (then making them costs little beside
            # the work, and the memory is given back).
            keep = count * self._buffer_count <= _KEPT_NUMBERS
            local.count, local.buffers = (count, buffers) if keep else (None, [])
        self._runner(columns, destinations, buffers)

    def bind(
        self, columns: Sequence[np.ndarray], destinations: Sequence[np.ndarray]
    ) -> Callable[[], None]:
        """:meth:`run` at ``columns`` into ``destinations`` as a function of no arguments,
        with buffers of its own: for one caller evaluating at the same arrays again and
        again (a sweep, at every step), whatever they hold at each call. The arrays are
        unpacked and the buffers found once, not at every call."""
        buffers = [np.empty(destinations[0].shape[0]) for _ in range(self._buffer_count)]
        return functools.partial(self._runner, tuple(columns), tuple(destinations), buffers)

    def _make_runner(self) -> Callable[..., None]:
        """The program as one Python function, for speed (a loop over the operations
        costs a third of their time): its text holds only names made here from numbers
        (``v3``, ``f2``) — the functions and constants are bound by name, never printed."""
        namespace: dict[str, Any] = {"copyto": np.copyto}
        for index, value in enumerate(self._constants):
            namespace[f"v{self._arguments + index}"] = value
        lines = ["def run(columns, destinations, buffers):"]
        if self._arguments:
            names = ", ".join(f"v{index}" for index in range(self._arguments))
            lines.append(f"    {names}, = columns")
        lines += [f"    v{position} = buffers[{buffer}]" for position, buffer in self._buffers]
        lines += [f"    v{position} = destinations[{output}]"
                  for position, output in self._direct]
        for index, (arity, function, first, second, result) in enumerate(self._program):
            namespace[f"f{index}"] = function
            if arity == 2:
                lines.append(f"    f{index}(v{first}, v{second}, v{result})")
            elif arity == 1:
                lines.append(f"    f{index}(v{first}, v{result})")
            else:
                inputs = ", ".join(f"v{position}" for position in first)
                lines.append(f"    v{result} = f{index}({inputs})")
        lines += [f"    copyto(destinations[{output}], v{position}, casting='unsafe')"
                  for output, position in self._copies]
        lines.append("    return None")
        source = "\n".join(lines)
        exec(compile(source, "<batch tape>", "exec"), namespace)  # safe: names from numbers only
        return namespace["run"]


def make_tape(function: Callable[..., Any]) -> Tape | None:
    """The tape of a function made by ``sympy.lambdify`` with numpy, or ``None``."""
    try:
        source = inspect.getsource(function)
        tree = ast.parse(source)
        return _Builder(tree).tape()
    except (_UnsupportedError, OSError, TypeError, ValueError, SyntaxError):
        return None


class _Builder:
    """Lists the operations of a generated function (see :func:`make_tape`)."""

    def __init__(self, tree: ast.Module) -> None:
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
            raise _UnsupportedError
        self.function = tree.body[0]
        self.names: dict[str, _Operand] = {}
        self.operations: list[tuple[Callable[..., Any], tuple[_Operand, ...], int, bool]] = []
        self.slots = 0

    def tape(self) -> Tape:
        definition = self.function
        arguments = definition.args
        if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.defaults:
            raise _UnsupportedError
        for index, argument in enumerate(arguments.args):
            self.names[argument.arg] = ("arg", index)
        body = definition.body
        for statement in body[:-1]:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)):
                raise _UnsupportedError
            self.names[statement.targets[0].id] = self.operand(statement.value)
        last = body[-1]
        if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Tuple)):
            raise _UnsupportedError
        outputs = [self.operand(element) for element in last.value.elts]
        return self.finish(len(arguments.args), outputs)

    def operand(self, node: ast.expr) -> _Operand:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return ("const", node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                raise _UnsupportedError
            return self.names[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self.operand(node.left), self.operand(node.right)
            kind = type(node.op)
            if kind not in _PYTHON_BINARY:
                raise _UnsupportedError
            if left[0] == "const" and right[0] == "const":
                return ("const", _PYTHON_BINARY[kind](left[1], right[1]))
            if kind in _BINARY:
                return self.emit(_BINARY[kind], self.as_floats(left, right), True)
            return self.emit(_PYTHON_BINARY[kind], (left, right), False)
        if isinstance(node, ast.UnaryOp):
            inner = self.operand(node.operand)
            kind = type(node.op)
            if kind not in _UNARY:
                raise _UnsupportedError
            if inner[0] == "const":
                return ("const", _PYTHON_UNARY[kind](inner[1]))
            return self.emit(_UNARY[kind], (inner,), True)
        if isinstance(node, ast.Call):
            return self.call(node)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "numpy"
                and type(getattr(np, node.attr, None)) is float):  # numpy.pi, numpy.e
            return ("const", getattr(np, node.attr))
        raise _UnsupportedError

    def call(self, node: ast.Call) -> _Operand:
        target = node.func
        if isinstance(target, ast.Name) and target.id == "abs" and len(node.args) == 1:
            # Python's abs of an array is numpy.absolute
            target = ast.Attribute(value=ast.Name(id="numpy"), attr="absolute")
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == "numpy" and not node.keywords):
            raise _UnsupportedError
        function = getattr(np, target.attr, None)
        if function is None:
            raise _UnsupportedError
        operands = tuple(self.operand(argument) for argument in node.args)
        if all(kind == "const" for kind, _ in operands):
            return ("const", function(*(value for _, value in operands)))
        return self.emit(function, operands, _float_ufunc(function, len(operands)))

    def as_floats(self, left: _Operand, right: _Operand) -> tuple[_Operand, _Operand]:
        """The operands of an arithmetic operation, an integer constant beside a float
        array turned into the float of the same value when it has one exactly.

        numpy turns a Python int beside a float64 array into that float at every call
        (a tenth of a product's time on 5,000 numbers); the float is the same number, so
        the results are the same to the last bit. An argument is a float
        array, and so is a value written in place (into a float buffer); the result of a
        call kept as it is may be of any type, so a constant beside it is left alone.
        """
        def is_float(operand: _Operand) -> bool:
            kind, value = operand
            return kind == "arg" or (kind == "slot" and self.operations[value][3])

        def exact(operand: _Operand) -> _Operand:
            kind, value = operand
            if kind == "const" and type(value) is int and abs(value) <= _EXACT_INTEGERS:
                return ("const", float(value))
            return operand

        return (exact(left) if is_float(right) else left,
                exact(right) if is_float(left) else right)

    def emit(self, function: Callable[..., Any], operands: tuple[_Operand, ...],
             in_place: bool) -> _Operand:
        slot = self.slots
        self.slots += 1
        self.operations.append((function, operands, slot, in_place))
        return ("slot", slot)

    def finish(self, arguments: int, outputs: list[_Operand]) -> Tape:
        direct: dict[int, int] = {}
        written = {slot for _, _, slot, in_place in self.operations if in_place}
        for position, (kind, value) in enumerate(outputs):
            uses = sum(operand == ("slot", value) for _, operands, _, _ in self.operations
                       for operand in operands)
            if (kind == "slot" and value in written and value not in direct
                    and uses == 0 and outputs.count((kind, value)) == 1):
                direct[value] = position
        self.extend_chains(outputs, direct, written)
        buffers = self.assign_buffers(outputs, direct)
        kept: list[_Operand | None] = [
            None if kind == "slot" and value in direct else (kind, value)
            for kind, value in outputs]
        return Tape(arguments, self.operations, self.slots, buffers, kept, direct)

    def extend_chains(
        self, outputs: list[_Operand], direct: dict[int, int], written: set[int]
    ) -> None:
        """Write the values leading to an output written straight into its destination
        there too, where each is read only by the next.

        For ``f = 100*(x1*x1) + …`` the product ``x1*x1`` and then ``100*`` it go into the
        loss array, which the sum then updates in place, rather than through buffers: the
        destination is warm in the cache (a tenth faster for Rosenbrock's gradient). A
        value qualifies if it is written in place, read by exactly one operation (the next
        link, once) and is no output: the values of a chain then live one after another,
        each read for the last time by the operation that writes the next (which a ufunc
        may do in place, element by element).
        """
        uses: dict[int, int] = {}
        for _, operands, _, _ in self.operations:
            for kind, value in operands:
                if kind == "slot":
                    uses[value] = uses.get(value, 0) + 1
        for kind, value in outputs:
            if kind == "slot":
                uses[value] = uses.get(value, 0) + 1
        for slot, position in list(direct.items()):
            link: int | None = slot
            while link is not None:
                _, operands, _, _ = self.operations[link]
                link = next((value for kind, value in operands
                             if kind == "slot" and value in written and value not in direct
                             and uses[value] == 1), None)
                if link is not None:
                    direct[link] = position

    def assign_buffers(self, outputs: list[_Operand], direct: dict[int, int]) -> dict[int, int]:
        """A buffer for each slot written in place, reusing those no longer read."""
        last_read: dict[int, float] = {}
        for position, (_, operands, _, _) in enumerate(self.operations):
            for kind, value in operands:
                if kind == "slot":
                    last_read[value] = position
        for kind, value in outputs:
            if kind == "slot":
                last_read[value] = float("inf")
        buffers: dict[int, int] = {}
        free: list[int] = []
        count = 0
        for position, (_, operands, slot, in_place) in enumerate(self.operations):
            # Buffers whose value is read for the last time here may take the result
            # (a ufunc writes element by element, after reading that element's inputs).
            for kind, value in set(operands):
                if kind == "slot" and value in buffers and last_read[value] == position:
                    free.append(buffers[value])
            if in_place and slot not in direct:
                if free:
                    buffers[slot] = free.pop()
                else:
                    buffers[slot], count = count, count + 1
            if slot not in last_read and slot in buffers:  # never read
                free.append(buffers[slot])
        return buffers


def _float_ufunc(function: Any, count: int) -> bool:
    """Whether ``function`` is a ufunc of ``count`` float64 inputs giving one float64."""
    if not isinstance(function, np.ufunc) or function.nin != count or function.nout != 1:
        return False
    try:
        resolved = function.resolve_dtypes((_FLOAT,) * count + (None,))
    except (TypeError, ValueError, np.exceptions.DTypePromotionError):
        return False
    return all(dtype == _FLOAT for dtype in resolved)
