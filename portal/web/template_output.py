"""Escaped template output as plain text: Jinja's code, with a cheaper call per ``{{ … }}``.

With autoescaping on, Jinja compiles every ``{{ value }}`` into ``escape(value)``:
markupsafe's ``escape``, which builds a ``Markup`` around the escaped text (two Python
calls, ~0.3 µs). A page has 100 to 300 of them (the SLA tracker's cards), so they cost
about as much as the page's markup itself. The result is only ever joined into the page's
text (``environment.concat``), or into a buffer (``{% set %}…{% endset %}``, a macro's or a
``{% call %}``'s body) that Jinja joins and marks safe as a whole, so the ``Markup`` wrapper
of each piece is never looked at. :func:`html_text` returns the same characters as a plain
``str`` in one call (~0.06 µs): an object's ``__html__`` when it has one (``Markup``, a
macro's result), otherwise the escaped ``str()``, exactly as ``escape`` chose.

Only the output of ``{{ … }}`` changes. Values used inside expressions (``x ~ y``,
filters, ``Markup % {…}``) are escaped by markupsafe as before.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr

# markupsafe 3 picks its C escape (or the pure-Python one) as _escape_inner; escape() calls it.
from markupsafe import _escape_inner


def html_text(value: Any) -> str:
    """What ``str(markupsafe.escape(value))`` gives, without building the ``Markup``."""
    if type(value) is str:
        return _escape_inner(value)  # type: ignore[no-any-return]
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()  # type: ignore[no-any-return]
    return _escape_inner(str(value))  # type: ignore[no-any-return]


class PlainTextOutputCodeGenerator(CodeGenerator):
    """Jinja's code generator; escaped ``{{ … }}`` output calls :func:`html_text`, and a
    template's root and blocks hand over their output in one piece.

    Jinja makes the root and each block a generator yielding every piece of output (the
    tracker: ~700), and a page passes each piece up through ``yield from`` twice (the
    block, the layout's root, the page's root) before ``"".join`` takes it. Here those
    functions append to a list, as Jinja's own macros do, and yield it joined once at
    the end; a block called inside another is then one piece to pass on. The text is the
    same; only ``Template.generate()`` streams in fewer, larger pieces.
    """

    # What Jinja writes for ``{% include … without context %}``: the included text goes
    # straight out, past any list (its own macros have the same fault).
    _INCLUDE_STRAIGHT_OUT = "yield from template._get_default_module()._body_stream"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._joined_frames: set[int] = set()
        self._joined_lists: set[str] = set()

    def enter_frame(self, frame: Frame) -> None:
        # The root's frame and each block's (visit_Template marks them before entering);
        # every frame inside them shares the list (Frame.inner copies ``buffer``).
        outermost = (frame.rootlevel and frame.toplevel) or frame.block_frame
        if outermost and frame.buffer is None and not self.environment.is_async:
            frame.buffer = self.temporary_identifier()
            self.writeline(f"{frame.buffer} = []")
            self._joined_frames.add(id(frame))
            self._joined_lists.add(frame.buffer)
        super().enter_frame(frame)

    def leave_frame(self, frame: Frame, with_python_scope: bool = False) -> None:
        if id(frame) in self._joined_frames:
            self._joined_frames.discard(id(frame))
            self.writeline(f"if {frame.buffer}:")
            self.indent()
            self.writeline(f"yield concat({frame.buffer})")
            self.outdent()
        super().leave_frame(frame, with_python_scope)

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        if node.with_context or frame.buffer not in self._joined_lists:
            super().visit_Include(node, frame)
            return
        # Jinja's code for it, written aside, with the included text added to the list in
        # its place instead of going out ahead of what came before it.
        outer = self.stream
        self.stream = StringIO()
        try:
            super().visit_Include(node, frame)
            code = self.stream.getvalue()
        finally:
            self.stream = outer
        if self._INCLUDE_STRAIGHT_OUT not in code:
            raise RuntimeError("Jinja's code for an include without context has changed")
        into_list = f"{frame.buffer}.extend(template._get_default_module()._body_stream)"
        outer.write(code.replace(self._INCLUDE_STRAIGHT_OUT, into_list))

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        # A "volatile" frame ({% autoescape %} decided at render time) and an environment
        # with a finalize function keep Jinja's own code.
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            # ``environment`` is the root function's default argument; ``html_text`` is a
            # plain function stored on the instance (no bound method is made per call).
            self.write("environment.html_text(")
            return
        super()._output_child_pre(node, frame, finalize)
