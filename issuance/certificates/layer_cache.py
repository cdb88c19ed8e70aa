"""The per-process cache of the two-layer certificate (layered.py): static layers, skeletons, documents."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings

# What it holds are layered.py's _StaticLayer and _Skeleton (an import of them would be a cycle).
_StaticLayer = _Skeleton = Any

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


class LayerCache:
    """Per-process LRU of static layers, bounded by the bytes of the PDFs it holds."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.bytes = max_bytes, 0
        self.layers: OrderedDict[tuple, _StaticLayer] = OrderedDict()
        self.skeletons: OrderedDict[tuple, _Skeleton] = OrderedDict()
        self.documents: OrderedDict[bytes, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> _StaticLayer | None:
        with self.lock:
            layer = self.layers.get(key)
            if layer is not None:
                self.layers.move_to_end(key)
            return layer

    def put(self, key: tuple, layer: _StaticLayer) -> None:
        with self.lock:
            if key in self.layers:
                return
            self.layers[key] = layer
            self.bytes += len(layer.pdf)
            while self.bytes > self.max_bytes and len(self.layers) > 1:
                _, old = self.layers.popitem(last=False)
                self.bytes -= len(old.pdf)

    def skeleton(self, key: tuple) -> _Skeleton | None:
        with self.lock:
            found = self.skeletons.get(key)
            if found is not None:
                self.skeletons.move_to_end(key)
            return found

    def skeleton_put(self, key: tuple, skeleton: _Skeleton) -> None:
        with self.lock:
            self.skeletons[key] = skeleton
            while len(self.skeletons) > 256:
                self.skeletons.popitem(last=False)

    def document(self, key: bytes) -> str | None:
        with self.lock:
            return self.documents.get(key)

    def document_put(self, key: bytes, document: str) -> str:
        with self.lock:
            self.documents[key] = document
            while len(self.documents) > 256:
                self.documents.popitem(last=False)
        return document

    def clear(self) -> None:
        with self.lock:
            self.documents.clear()
            self.layers.clear()
            self.skeletons.clear()
            self.bytes = 0


_cache: LayerCache | None = None


def layer_cache() -> LayerCache:
    global _cache
    if _cache is None:
        _cache = LayerCache(int(getattr(settings, "LAUREL_CERTIFICATE_LAYER_CACHE_BYTES", DEFAULT_CACHE_BYTES)))
    return _cache
