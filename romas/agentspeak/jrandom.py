"""The random numbers of ``.random`` and ``math.random`` once ``.set_random_seed(N)`` is called: the linear
congruential generator the Java platform specifies for ``java.util.Random`` (48-bit seed, multiplier
0x5DEECE66D, increment 11), so that a seeded agent draws the same numbers as it does in Jason."""

from __future__ import annotations

_MULTIPLIER = 0x5DEECE66D
_MASK = (1 << 48) - 1


class JavaRandom:
    __slots__ = ("seed",)

    def __init__(self, seed: int) -> None:
        self.seed = (seed ^ _MULTIPLIER) & _MASK

    def _next(self, bits: int) -> int:
        self.seed = (self.seed * _MULTIPLIER + 0xB) & _MASK
        r = self.seed >> (48 - bits)
        if r & (1 << 31):  # a signed 32-bit int
            r -= 1 << 32
        return r

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * (1.0 / (1 << 53))

    def next_int(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError("bound must be positive")
        if bound & (bound - 1) == 0:
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            val = bits % bound
            if bits - val + (bound - 1) < (1 << 31):
                return val
