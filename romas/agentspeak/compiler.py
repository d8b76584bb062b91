"""Compiling plan bodies to flat instruction lists (with jumps for if/while/for), once per plan."""

from __future__ import annotations

from romas.agentspeak.instructions import (
    Achieve,
    BeliefChange,
    Check,
    DynamicAction,
    ForEnter,
    ForNext,
    Instruction,
    Internal,
    Jump,
    JumpUnless,
    LoopEnter,
    TestGoal,
    WhileTest,
)
from romas.agentspeak.instructions import Action as ActionInstr
from romas.agentspeak.program import (
    Action,
    BeliefUpdate,
    Body,
    Condition,
    For,
    Goal,
    If,
    Plan,
    While,
)
from romas.agentspeak.terms import Struct, Var


def compiled(plan: Plan) -> list[Instruction]:
    code = plan.code
    if code is None:
        code = compile_body(plan.body)
        plan.code = code
    return code


def compile_body(body: Body) -> list[Instruction]:
    code: list[Instruction] = []
    _emit(body, code)
    # A sub-goal is a tail call when nothing of the plan runs after it (following plain jumps).
    n = len(code)
    for i, ins in enumerate(code):
        if type(ins) is Achieve and not ins.new:
            j = i + 1
            seen = 0
            while j < n and type(code[j]) is Jump and seen < n:
                j = code[j].target  # type: ignore[attr-defined]
                seen += 1
            ins.tail = j >= n
    return code


def _emit(body: Body, code: list[Instruction]) -> None:
    for f in body.formulas:
        if isinstance(f, Goal):
            if f.kind == "?":
                code.append(TestGoal(f.literal, f.line))
            else:
                code.append(Achieve(f.literal, f.kind == "!!", f.line))
        elif isinstance(f, BeliefUpdate):
            code.append(BeliefChange(f.op, f.literal, f.line))
        elif isinstance(f, Action):
            t = f.term
            if type(t) is Struct and t.functor.startswith("."):
                code.append(Internal(t, f.line))
            elif type(t) is Var:
                code.append(DynamicAction(t, f.line))
            else:
                code.append(ActionInstr(t, f.line))
        elif isinstance(f, Condition):
            code.append(Check(f.expr, f.line))
        elif isinstance(f, If):
            jumps_to_end: list[Jump] = []
            for cond, branch in f.branches:
                test = JumpUnless(cond, -1, f.line)
                code.append(test)
                _emit(branch, code)
                j = Jump(-1, f.line)
                code.append(j)
                jumps_to_end.append(j)
                test.target = len(code)
            if f.orelse is not None:
                _emit(f.orelse, code)
            for j in jumps_to_end:
                j.target = len(code)
        elif isinstance(f, While):
            code.append(LoopEnter(f.line))
            test_at = len(code)
            wt = WhileTest(f.cond, -1, f.line)
            code.append(wt)
            _emit(f.body, code)
            code.append(Jump(test_at, f.line))
            wt.end = len(code)
        elif isinstance(f, For):
            code.append(ForEnter(f.cond, f.line))
            next_at = len(code)
            fn = ForNext(-1, f.line)
            code.append(fn)
            _emit(f.body, code)
            code.append(Jump(next_at, f.line))
            fn.end = len(code)
