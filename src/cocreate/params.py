"""scikit-learn's parameter plumbing, shared by taste models and strategies.

The arguments of ``__init__`` are the hyper-parameters, kept as attributes of
the same names; learned state lives in attributes ending in ``_``.
``get_params`` reads them (with ``deep``, a parameter's own as ``name__p``),
``set_params`` changes them as the constructor would take them and forgets what
was learned, and ``type(x)(**x.get_params(deep=False))`` is an unfitted copy.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from .errors import InputError

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


class Params:
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [n for n, p in sig.parameters.items() if n != "self" and p.kind not in _VARIADIC]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters; with ``deep``, those of any that have their own, as ``name__p``."""
        out = {k: getattr(self, k) for k in self._param_names()}
        if deep:
            for k, v in list(out.items()):
                if hasattr(v, "get_params") and not isinstance(v, type):
                    out.update({f"{k}__{kk}": vv for kk, vv in v.get_params().items()})
        return out

    def set_params(self, **params: Any) -> Any:
        """Change hyper-parameters, taken as the constructor takes them; what was learned is
        forgotten. ``name__p`` changes ``p`` of the hyper-parameter ``name`` on a copy of it,
        never on the object the caller gave."""
        names = self._param_names()
        own: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in names:
                known = ", ".join(names) or "none"
                raise InputError(
                    f"unknown parameter {key!r} of {type(self).__name__} (parameters: {known})"
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                own[name] = value
        merged = {**self.get_params(deep=False), **own}
        for name, sub in nested.items():
            inner = merged[name]
            if not hasattr(inner, "set_params"):
                raise InputError(
                    f"{name!r} of {type(self).__name__} is {inner!r}, which has no parameters"
                    f" to set ({', '.join(sorted(sub))}); give it one first"
                )
            merged[name] = copy.deepcopy(inner).set_params(**sub)
        fresh = type(self)(**merged)  # the constructor checks what it checks
        for key in list(vars(self)):
            if key not in vars(fresh):
                delattr(self, key)
        vars(self).update(vars(fresh))
        return self
