"""Recording what xhtml2pdf lays out and draws, for the two-layer certificate (layered.py).

A few xhtml2pdf methods are wrapped once per process; outside a recording they behave exactly as
before. The recording says where each learner paragraph and the QR code would be drawn.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
from dataclasses import dataclass

from xhtml2pdf import document as xhtml2pdf_document
from xhtml2pdf.xhtml2pdf_reportlab import PmlImage, PmlParagraph

# A merge field's value in the skeleton: a private-use character pair around its index.
_MARKER = re.compile("\ue000([\ue100-\ue1ff])\ue001")


@dataclass
class _Placement:
    matrix: tuple
    x: float
    y: float
    shrink: float
    avail: tuple[float, float]


class _Recorder:
    """What one xhtml2pdf run created and drew, for the learner paragraphs and the QR code."""

    def __init__(self, *, mode: str, learner: set[int] = frozenset(), qr_uri: str = ""):
        self.mode = mode  # "parse": find the learner paragraphs; "static": lay out, skip drawing them
        self.learner, self.qr_uri = learner, qr_uri
        self.paragraph_count = 0
        self.paragraphs: dict[int, PmlParagraph] = {}
        self.placed_paragraphs: dict[int, _Placement] = {}
        self.wraps: dict[int, tuple[float, float]] = {}
        self.problem = ""
        self.parsing = True


_recording: contextvars.ContextVar[_Recorder | None] = contextvars.ContextVar("laurel_layer_recording", default=None)
_patch_lock = threading.Lock()
_patched = False


def _patch_once() -> None:
    """Wrap xhtml2pdf's story parse and its paragraphs' and images' creation, wrapping and drawing, so a render
    can be recorded; without a recording (any other render, in any thread) each does exactly what it did."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        paragraph_init, paragraph_wrap, paragraph_split, paragraph_draw = (
            PmlParagraph.__init__, PmlParagraph.wrap, PmlParagraph.split, PmlParagraph.drawOn)
        image_init, image_draw = PmlImage.__init__, PmlImage.drawOn

        def p_init(self, *args, **kwargs):
            paragraph_init(self, *args, **kwargs)
            recorder = _recording.get()
            if recorder is not None:
                if not recorder.parsing:
                    self._laurel_index = -1  # made while laying out: a split
                    return
                self._laurel_index = recorder.paragraph_count
                recorder.paragraph_count += 1
                if recorder.mode == "parse" and any(_MARKER.search(str(getattr(f, "text", ""))) or _qr_frag(f)
                                                    for f in self.frags):
                    recorder.paragraphs[self._laurel_index] = self

        def p_wrap(self, availWidth, availHeight):
            recorder = _recording.get()
            if recorder is not None and getattr(self, "_laurel_index", None) in recorder.learner:
                recorder.wraps[self._laurel_index] = (availWidth, availHeight)
            return paragraph_wrap(self, availWidth, availHeight)

        def p_split(self, availWidth, availHeight):
            parts = paragraph_split(self, availWidth, availHeight)
            recorder = _recording.get()
            if recorder is not None and len(parts) > 1 and getattr(self, "_laurel_index", None) in recorder.learner:
                recorder.problem = "a paragraph with a merge field flows over a frame or a page"
            return parts

        def p_draw(self, canvas, x, y, _sW=0):
            recorder = _recording.get()
            index = getattr(self, "_laurel_index", None)
            if recorder is not None and recorder.mode == "static" and index in recorder.learner:
                if index in recorder.placed_paragraphs:
                    recorder.problem = "a paragraph with a merge field is drawn twice"
                recorder.placed_paragraphs[index] = _Placement(
                    canvas._currentMatrix, x, y, _sW, recorder.wraps.get(index, (0.0, 0.0)))
                return None
            return paragraph_draw(self, canvas, x, y, _sW)

        def i_init(self, *args, **kwargs):
            image_init(self, *args, **kwargs)
            recorder = _recording.get()
            if recorder is not None and recorder.qr_uri and self.src == recorder.qr_uri:
                self._laurel_qr = True  # xhtml2pdf places it inline, in a paragraph's fragment

        def i_draw(self, canvas, x, y, _sW=0):
            recorder = _recording.get()
            if recorder is not None and recorder.mode == "static" and getattr(self, "_laurel_qr", False):
                recorder.problem = "the QR code is drawn outside a paragraph"
            return image_draw(self, canvas, x, y, _sW)

        story = xhtml2pdf_document.pisaStory

        def parsed_story(*args, **kwargs):
            result = story(*args, **kwargs)
            recorder = _recording.get()
            if recorder is not None:
                recorder.parsing = False  # paragraphs made from here on are splits
                if recorder.mode == "parse":
                    raise _ParsedStory  # the parse is all a skeleton needs
            return result

        xhtml2pdf_document.pisaStory = parsed_story
        logging.getLogger("xhtml2pdf.context").addFilter(_MarkerWarnings())
        PmlParagraph.__init__, PmlParagraph.wrap, PmlParagraph.split, PmlParagraph.drawOn = p_init, p_wrap, p_split, p_draw
        PmlImage.__init__, PmlImage.drawOn = i_init, i_draw
        _patched = True


class _MarkerWarnings(logging.Filter):
    """xhtml2pdf says no font can draw a marker (a private-use character) while a skeleton is parsed: true, and expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        recorder = _recording.get()
        return not (recorder is not None and recorder.mode == "parse" and "U+E" in record.getMessage())


@contextlib.contextmanager
def _recorded(recorder: _Recorder):
    _patch_once()
    token = _recording.set(recorder)
    try:
        yield recorder
    finally:
        _recording.reset(token)


class _ParsedStory(Exception):
    pass


def _qr_frag(frag) -> bool:
    definition = getattr(frag, "cbDefn", None)
    return getattr(definition, "kind", "") == "img" and getattr(getattr(definition, "image", None), "_laurel_qr", False)
