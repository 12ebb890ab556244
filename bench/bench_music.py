"""Benchmark of the music partner: speed of a round, and quality beside Bach.

Run from the repository root::

    python bench/bench_music.py [--rounds 30]      # speed
    python bench/bench_music.py --quality          # quality (about two minutes)

**Speed** times, in one process: training the style model from the 326
training chorales into an empty cache (once), reading it back from the disk
cache, and then rounds as a person meets them — ``work.propose(9)`` of 8-bar
phrases in a studio (a pool of candidates made, described, chosen; the 9 shown
rendered as MIDI), plus a WAV preview of each of the 9; p50 and p95 over rounds,
after one warm-up round (which also loads the SoundFont).

**Quality** sets the partner's four-part writing beside the held-out tenth of
the chorales, which the model never saw:

* the held-out chorales themselves (Bach's own rate of the things counted);
* the held-out chorales' soprano lines, harmonised by the partner (the fermatas
  as cadences), and held-out German folk tunes of the Essen collection;
* fresh 8-bar phrases (the melody too is the model's).

Counted (see ``cocreate.partners.music.quality``): consecutive fifths and octaves
per moving voice pair, notes inside the voices' usual ranges, voice crossings,
non-chord tones; and whether every harmonised melody came back unchanged. Then
the melody model's held-out log-likelihood per note (bits) against a unigram
and a bigram model trained on the same chorales.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import cocreate
from cocreate.model import Intention
from cocreate.partners.music import MusicPartner, render_as
from cocreate.partners.music import model as M
from cocreate.partners.music.corpus import chorales, folk
from cocreate.partners.music.generate import harmonise_melody
from cocreate.partners.music.quality import Report, check
from cocreate.partners.music.render import soundfont


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q))


def speed(rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COCREATE_CACHE_DIR"] = tmp
        M.forget_loaded()
        t0 = time.perf_counter()
        model = M.load_model("bach-chorales")
        train_s = time.perf_counter() - t0
        M.forget_loaded()
        t0 = time.perf_counter()
        M.load_model("bach-chorales")
        load_s = time.perf_counter() - t0
        st = cocreate.Studio("memory://", seed=1)
        work = st.create_work("music", "bench", "a chorale phrase in G minor, 3/4")
        t0 = time.perf_counter()
        ps = work.propose(9)
        [render_as(p.genome, "wav") for p in ps]
        first = time.perf_counter() - t0
        work.choose(ps[0])
        total, made, wav = [], [], []
        for r in range(rounds):
            t0 = time.perf_counter()
            ps = work.propose(9)
            t1 = time.perf_counter()
            waves = [render_as(p.genome, "wav") for p in ps]
            t2 = time.perf_counter()
            made.append(t1 - t0)
            wav.append(t2 - t1)
            total.append(t2 - t0)
            work.choose(ps[r % 9])
        st.close()
    font = soundfont()
    seconds = len(waves[0]) / 2 / 22050
    lines = [
        "## Music partner: speed (bench/bench_music.py)",
        "",
        f"Command: `python bench/bench_music.py --rounds {rounds}` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. A round is "
        "`work.propose(9)` of 8-bar phrases in 3/4 in a studio (a pool of 27 candidates "
        "made by the partner, described, chosen by the attuned strategy; the 9 shown rendered "
        f"as MIDI) plus a WAV preview of each of the 9 (about {seconds:.0f} s of audio each, "
        f"22.05 kHz mono, tinysoundfont with {font.describe() if font else 'no SoundFont'}).",
        "",
        "| what | time |",
        "|---|---|",
        f"| training the style model from the {len(model.training)} training chorales "
        f"(empty cache; {model.notes:,} melody notes) | {train_s:.1f} s |",
        f"| loading it from the disk cache | {load_s * 1000:.0f} ms |",
        f"| first round + 9 WAVs (loads the SoundFont) | {first * 1000:.0f} ms |",
        f"| round (propose 9, MIDI): p50 / p95 | {pct(made, 50) * 1000:.0f} / "
        f"{pct(made, 95) * 1000:.0f} ms |",
        f"| 9 WAV previews: p50 / p95 | {pct(wav, 50) * 1000:.0f} / {pct(wav, 95) * 1000:.0f} ms |",
        f"| **round with MIDI and WAV: p50 / p95** | **{pct(total, 50) * 1000:.0f} / "
        f"{pct(total, 95) * 1000:.0f} ms** (goal: p95 under 500 ms) |",
    ]
    return lines


def _row(name: str, r: Report, extra: str = "") -> str:
    return (
        f"| {name} | {r.parallels} / {r.moving_pairs:,} = {r.parallel_rate:.2%} "
        f"({r.fifths} fifths, {r.octaves} octaves) | {r.range_share:.1%} | "
        f"{r.crossing_rate:.2%} | {r.non_chord_share:.1%} |{extra}"
    )


def quality(folk_tunes: int, fresh: int) -> list[str]:
    t_start = time.perf_counter()
    partner = MusicPartner()
    model = partner.model
    held = list(chorales(split="held-out"))
    bach = Report()
    for p in held:
        bach.add(check(p.phrase.voices, p.metre, p.key.tonic))
    ours = Report()
    kept = total = 0
    rng = np.random.default_rng(2026)
    for p in held:
        melody = p.phrase.voices["soprano"]
        end = math.ceil(p.phrase.end / p.metre.bar - 1e-9) * p.metre.bar
        cad = {f: "end" for f in p.phrase.fermatas}
        voices, _ = harmonise_melody(
            model, melody, p.key, p.metre, rng, surprise=0.2, density=0.4, cadences=cad, end=end
        )
        total += 1
        kept += voices["soprano"] == melody
        ours.add(check(voices, p.metre, p.key.tonic))
    tunes = Report()
    n_tunes = 0
    for p in folk("essen-german", limit=folk_tunes, split="held-out"):
        melody = p.phrase.voices["soprano"]
        if min(n[0] for n in melody) < 55:  # too low for three voices under it: transposed up
            melody = [[n[0] + 12, *n[1:]] for n in melody]
        end = math.ceil(max(n[1] + n[2] for n in melody) / p.metre.bar - 1e-9) * p.metre.bar
        voices, _ = harmonise_melody(
            model, melody, p.key, p.metre, rng, surprise=0.2, density=0.4, end=end
        )
        total += 1
        n_tunes += 1
        kept += voices["soprano"] == melody
        tunes.add(check(voices, p.metre, p.key.tonic))
    made = Report()
    for s in range(fresh):
        brief = ("a chorale phrase in G minor, 3/4", "a chorale phrase in D major, 4/4")[s % 2]
        g = partner.fresh(np.random.default_rng(s), Intention(brief))
        from cocreate.partners.music import genome as G

        made.add(check(g["voices"], G.metre_of(g), G.key_of(g).tonic))
    train = list(chorales())
    base = [M.Baseline(k).fit(train) for k in (0, 1)]

    def bits(m: object) -> float:
        lp = n = 0.0
        for p in held:
            a, b = m.melody_logprob(p)  # type: ignore[attr-defined]
            lp += a
            n += b
        return -lp / n / math.log(2)

    b_ours, b_uni, b_bi = bits(model), bits(base[0]), bits(base[1])
    limit = min(2 * bach.parallel_rate, 0.03)
    worst = max(ours.parallel_rate, tunes.parallel_rate, made.parallel_rate)
    lowest_range = min(ours.range_share, tunes.range_share, made.range_share)
    lines = [
        "## Music partner: quality beside Bach (bench/bench_music.py --quality)",
        "",
        f"Command: `python bench/bench_music.py --quality --folk {folk_tunes} --fresh {fresh}` "
        f"({time.perf_counter() - t_start:.0f} s). The model was trained on "
        f"{len(model.training)} chorales; the {len(held)} held-out chorales (every tenth, by a "
        "checksum of the name) and the held-out tenth of the Essen German folk songs were never "
        "seen. Parallels are consecutive fifths or octaves (unisons too) between two voices that "
        "both move, counted on the union of all onsets, over the moving voice pairs; ranges are "
        "S C4–A5, A F3–D5, T C3–A4, B C2–D4; a crossing is an onset where a lower voice sounds "
        "above a higher one; a non-chord tone starts off the beat or lies outside the chord the "
        "beat's notes spell. Folk tunes lying below G3 are harmonised an octave up.",
        "",
        "| music | parallels / moving pairs | in range | crossings | non-chord tones |",
        "|---|---|---|---|---|",
        _row(f"Bach: the {len(held)} held-out chorales", bach),
        _row(f"the partner: their {len(held)} soprano lines harmonised", ours),
        _row(f"the partner: {n_tunes} held-out Essen German folk tunes harmonised", tunes),
        _row(f"the partner: {fresh} fresh 8-bar phrases (melody too)", made),
        "",
        f"- Parallels: the partner's worst rate is {worst:.2%}; the goal is at most twice "
        f"Bach's ({2 * bach.parallel_rate:.2%}) and under 3%: "
        f"{'met' if worst <= limit else 'NOT met'}.",
        f"- Ranges: the lowest share in range is {lowest_range:.1%} (goal at least 95%): "
        f"{'met' if lowest_range >= 0.95 else 'NOT met'}.",
        f"- Melodies kept note for note: {kept} of {total}.",
        f"- Held-out melody log-likelihood (soprano lines of the {len(held)} held-out chorales, "
        f"pitch and length, bits per note; lower is better): the style model (variable order up "
        f"to 4 notes, lengths by metrical weight) **{b_ours:.2f}**, bigram {b_bi:.2f}, "
        f"unigram {b_uni:.2f}.",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--quality", action="store_true")
    ap.add_argument("--folk", type=int, default=150, help="held-out folk tunes to harmonise")
    ap.add_argument("--fresh", type=int, default=60, help="fresh phrases to check")
    args = ap.parse_args()
    lines = quality(args.folk, args.fresh) if args.quality else speed(args.rounds)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
