"""The music partner: chorale phrases, harmonisations and rhythmic patterns learned offline
from the corpus inside music21 (the Bach chorales, the Essen folk songs).

::

    work = studio.create_work(domain="music", creator="me",
                              intention="a chorale phrase in G minor, 3/4")
    ps = work.propose(9)                       # nine phrases as MIDI (audio/midi)
    work.variations(ps[3], 9, operator="invert")
    work.variations(ps[3], 9, selection={"voices": ["alto", "tenor"], "bars": [3, 4]})

Importing this package registers the partner's operators (``transpose``,
``invert``, ``retrograde``, ``augment``, ``diminish``, ``ornament``,
``rerhythm``, ``harmonise``, ``continue``, ``rhythm``) and the note-level
unitizer for ``audio/midi`` and MusicXML artifacts. It needs ``music21`` (for
its corpus) and ``mido``; a WAV preview also needs ``tinysoundfont`` and a
General MIDI SoundFont (``pip install 'cocreate[music]'``;
``apt-get install fluid-soundfont-gm``).

Modules: :mod:`.theory` (keys, metres, chords), :mod:`.genome` (the JSON
phrase), :mod:`.notation` (reading MIDI, MusicXML, ABC, typed notation),
:mod:`.render` (MIDI, MusicXML, WAV, PNG), :mod:`.corpus` and :mod:`.model`
(training, caching), :mod:`.vomm` (the Markov models), :mod:`.harmony`
(chords and voicing), :mod:`.generate`, :mod:`.transforms`, :mod:`.rhythm`,
:mod:`.blend` (making), :mod:`.features`, :mod:`.quality`,
:mod:`.attribution`.
"""

from __future__ import annotations

import mido as _mido  # noqa: F401  - a missing dependency stops the import here, by name

from ...operators import OperatorSpec, register_operator
from . import attribution as _attribution
from .corpus import CORPORA
from .model import MODEL_VERSION, StyleModel, load_model
from .notation import ACCEPTS, MIDI, MUSICXML, Phrase, format_typed, read
from .partner import OPERATORS, MusicPartner, adopt_phrase, harmonise
from .render import FORMATS, MEDIA_TYPES, render_as, soundfont

__all__ = [
    "ACCEPTS",
    "CORPORA",
    "FORMATS",
    "MEDIA_TYPES",
    "MIDI",
    "MODEL_VERSION",
    "MUSICXML",
    "OPERATORS",
    "MusicPartner",
    "Phrase",
    "StyleModel",
    "adopt_phrase",
    "format_typed",
    "harmonise",
    "load_model",
    "read",
    "render_as",
    "soundfont",
]

for _name, (_text, _novelty) in OPERATORS.items():
    register_operator(OperatorSpec(_name, _text, novelty=_novelty, partner="music"))
_attribution.install()
